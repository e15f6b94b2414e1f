/*
 * The Moddable host run's main (x-cli-lin has none of its own). It creates the XS machine from
 * the linked preparation, so the modules are preloaded exactly as in the device build, runs the
 * scenario (firmware/host/scenario.ts: boot, then run), and after each step collects garbage and
 * prints the measured margins: the JS stack high-water mark (slots); the live heap (slots) and
 * chunks (bytes) after a collection, now and at most over the samples the scenario took (each
 * simulated minute, through the global hostSample()); the peaks with garbage; and the keys.
 *
 * Usage: pantau-host <role> <hours>
 */

#include "xsAll.h"
#include "mc.xs.h"

/* The platform leaves fxAbort to the program. On a device a fatal error restarts the chip; here
 * the run stops with the reason, so a stack overflow or an exhausted heap fails the test. */
void fxAbort(txMachine* the, int status)
{
	static const char* const reasons[] = {
		"debugger", "not enough memory", "JavaScript stack overflow", "fatal check", "dead strip",
		"unhandled exception", "no more keys", "too much computation", "unhandled rejection", "native stack overflow",
	};
	const char* reason = (status >= 0 && status < (int)(sizeof(reasons) / sizeof(reasons[0]))) ? reasons[status] : "unknown";
	fprintf(stderr, "XS abort: %s\n", reason);
	fflush(stdout);
	exit(3);
}

static long maxLiveSlots = 0;
static long maxLiveChunks = 0;

static void sample(txMachine* the)
{
	fxCollectGarbage(the);
	if (maxLiveSlots < (long)the->currentHeapCount)
		maxLiveSlots = (long)the->currentHeapCount;
	if (maxLiveChunks < (long)the->currentChunksSize)
		maxLiveChunks = (long)the->currentChunksSize;
}

static void xs_hostSample(xsMachine* the)
{
	sample(the);
}

static void measure(txMachine* the, const char* phase)
{
	sample(the);
	printf("measure %s stack=%ld slots=%ld slotsMax=%ld slotsPeak=%ld chunks=%ld chunksMax=%ld chunksPeak=%ld keys=%ld\n", phase,
		(long)(the->stackTop - the->stackPeak), (long)the->currentHeapCount, maxLiveSlots, (long)the->peakHeapCount,
		(long)the->currentChunksSize, maxLiveChunks, (long)the->peakChunksSize, (long)the->keyIndex);
	fflush(stdout);
}

int main(int argc, char* argv[])
{
	if (argc != 3) {
		fprintf(stderr, "usage: %s <role> <hours>\n", argv[0]);
		return 2;
	}
	xsCreation* creation;
	void* preparation = xsPreparationAndCreation(&creation);
	xsMachine* machine = xsPrepareMachine(creation, preparation, "pantau-host", NULL, NULL);
	if (!machine) {
		fprintf(stderr, "cannot create the XS machine\n");
		return 1;
	}
	int status = 0;
	xsBeginHost(machine);
	{
		xsVars(1);
		xsTry {
			xsSet(xsGlobal, xsID("hostSample"), xsNewHostFunction(xs_hostSample, 0));
			xsVar(0) = xsAwaitImport("firmware/host/scenario", XS_IMPORT_NAMESPACE);
			xsCall1(xsVar(0), xsID("boot"), xsString(argv[1]));
			measure(the, "boot");
			xsCall1(xsVar(0), xsID("run"), xsNumber(atof(argv[2])));
			measure(the, "run");
		}
		xsCatch {
			fprintf(stderr, "host run failed: %s\n", xsToString(xsException));
			status = 1;
		}
	}
	xsEndHost(machine);
	fflush(stdout);
	xsDeleteMachine(machine);
	return status;
}
