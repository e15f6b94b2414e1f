/*
 * Reciprocal counting of a loop oscillator with an MCPWM capture channel: the channel's input
 * prescaler passes every `prescale`-th rising edge, and the hardware latches the 32-bit capture
 * timer (the 80 MHz APB clock on the ESP32) at that edge. The interrupt only notes the latched
 * value and counts the stamps; read() turns them into whole cycles and the ticks they took.
 * Four loops fit: two MCPWM groups with one capture timer and three channels each.
 */

#include "xsmc.h"
#include "mc.xs.h"
#include "xsHost.h"

#if defined(SOC_MCPWM_SUPPORTED)
#include "builtinCommon.h"
#include "driver/mcpwm_prelude.h"

#define kGroups 2
#define kDefaultPrescale 64

typedef struct {
	int pin;
	int group;
	uint32_t prescale;
	mcpwm_cap_channel_handle_t channel;
	portMUX_TYPE lock;
	volatile uint32_t stamps;	/* stamps since the last read, counted by the interrupt */
	volatile uint32_t latest;	/* the capture value of the newest stamp */
	uint32_t previous;			/* the newest stamp at the previous read */
	uint32_t span;				/* ticks of the last read */
	uint8_t started;			/* previous is a real stamp */
} CycleTimerRecord;

static mcpwm_cap_timer_handle_t gTimers[kGroups];
static uint8_t gUsers[kGroups];

void xs_cycletimer_destructor(void *data);

/* no JS references are held, so nothing to mark */
static const xsHostHooks ICACHE_RODATA_ATTR xsCycleTimerHooks = {
	xs_cycletimer_destructor,
	NULL,
	NULL
};

static bool IRAM_ATTR onCapture(mcpwm_cap_channel_handle_t channel, const mcpwm_capture_event_data_t *edata, void *refcon)
{
	CycleTimerRecord *ct = refcon;
	portENTER_CRITICAL_ISR(&ct->lock);
	ct->latest = edata->cap_value;
	ct->stamps += 1;
	portEXIT_CRITICAL_ISR(&ct->lock);
	return false;
}

static void releaseTimer(int group)
{
	if (--gUsers[group])
		return;
	mcpwm_capture_timer_disable(gTimers[group]);
	mcpwm_del_capture_timer(gTimers[group]);
	gTimers[group] = NULL;
}

/* A channel on the first group that has one free, starting that group's capture timer if needed. */
static int openChannel(CycleTimerRecord *ct)
{
	for (int group = 0; group < kGroups; group++) {
		if (!gTimers[group]) {
			mcpwm_capture_timer_config_t config = { .clk_src = MCPWM_CAPTURE_CLK_SRC_DEFAULT, .group_id = group };
			if (mcpwm_new_capture_timer(&config, &gTimers[group]))
				continue;
			mcpwm_capture_timer_enable(gTimers[group]);
			mcpwm_capture_timer_start(gTimers[group]);
		}
		mcpwm_capture_channel_config_t config = {
			.gpio_num = ct->pin,
			.prescale = ct->prescale,
			.flags.pos_edge = true,
			.flags.neg_edge = false,
		};
		gUsers[group] += 1;
		if (!mcpwm_new_capture_channel(gTimers[group], &config, &ct->channel)) {
			ct->group = group;
			return 1;
		}
		releaseTimer(group);
	}
	return 0;
}

void xs_cycletimer_constructor(xsMachine *the)
{
	CycleTimerRecord *ct;
	int pin, prescale = kDefaultPrescale;

	xsmcVars(1);
	if (!xsmcHas(xsArg(0), xsID_pin))
		xsRangeError("pin required");
	xsmcGet(xsVar(0), xsArg(0), xsID_pin);
	pin = builtinGetPin(the, &xsVar(0));
	if (!builtinIsPinFree(pin))
		xsRangeError("in use");
	/* xsID_pin and xsID_prescale exist because firmware/platform/moddable.ts names them */
	if (xsmcHas(xsArg(0), xsID_prescale)) {
		xsmcGet(xsVar(0), xsArg(0), xsID_prescale);
		prescale = xsmcToInteger(xsVar(0));
		if (prescale < 1 || prescale > 256)
			xsRangeError("prescale 1..256");
	}

	ct = c_calloc(1, sizeof(CycleTimerRecord));
	if (!ct)
		xsRangeError("no memory");
	ct->pin = pin;
	ct->prescale = prescale;
	portMUX_INITIALIZE(&ct->lock);
	if (!openChannel(ct)) {
		c_free(ct);
		xsUnknownError("no capture channel");
	}
	mcpwm_capture_event_callbacks_t callbacks = { .on_cap = onCapture };
	mcpwm_capture_channel_register_event_callbacks(ct->channel, &callbacks, ct);
	mcpwm_capture_channel_enable(ct->channel);

	xsmcSetHostData(xsThis, ct);
	xsSetHostHooks(xsThis, (xsHostHooks *)&xsCycleTimerHooks);
	builtinUsePin(pin);
}

void xs_cycletimer_destructor(void *data)
{
	CycleTimerRecord *ct = data;
	if (!ct)
		return;
	mcpwm_capture_channel_disable(ct->channel);
	mcpwm_del_capture_channel(ct->channel);
	releaseTimer(ct->group);
	builtinFreePin(ct->pin);
	c_free(ct);
}

void xs_cycletimer_close(xsMachine *the)
{
	CycleTimerRecord *ct = xsmcGetHostData(xsThis);
	if (ct && xsmcGetHostDataValidate(xsThis, (void *)&xsCycleTimerHooks)) {
		xs_cycletimer_destructor(ct);
		xsmcSetHostData(xsThis, NULL);
		xsmcSetHostDestructor(xsThis, NULL);
	}
}

/* Whole cycles since the previous read's newest stamp; the first stamp only opens the count. */
void xs_cycletimer_read(xsMachine *the)
{
	CycleTimerRecord *ct = xsmcGetHostDataValidate(xsThis, (void *)&xsCycleTimerHooks);
	uint32_t stamps, latest;

	portENTER_CRITICAL(&ct->lock);
	stamps = ct->stamps;
	latest = ct->latest;
	ct->stamps = 0;
	portEXIT_CRITICAL(&ct->lock);

	ct->span = 0;
	if (!stamps) {
		xsmcSetInteger(xsResult, 0);
		return;
	}
	if (!ct->started) {
		ct->started = 1;
		ct->previous = latest;
		xsmcSetInteger(xsResult, 0);
		return;
	}
	ct->span = latest - ct->previous;	/* modulo 2^32: reads come far more often than every 53 s */
	ct->previous = latest;
	xsmcSetNumber(xsResult, (double)stamps * ct->prescale);
}

void xs_cycletimer_span(xsMachine *the)
{
	CycleTimerRecord *ct = xsmcGetHostDataValidate(xsThis, (void *)&xsCycleTimerHooks);
	xsmcSetNumber(xsResult, ct->span);
}

void xs_cycletimer_hz(xsMachine *the)
{
	CycleTimerRecord *ct = xsmcGetHostDataValidate(xsThis, (void *)&xsCycleTimerHooks);
	uint32_t hz = 0;
	mcpwm_capture_timer_get_resolution(gTimers[ct->group], &hz);
	xsmcSetNumber(xsResult, hz);
}

#else
void xs_cycletimer_destructor(void *data) {}
void xs_cycletimer_constructor(xsMachine *the) { xsUnknownError("no MCPWM capture on this chip"); }
void xs_cycletimer_close(xsMachine *the) {}
void xs_cycletimer_read(xsMachine *the) {}
void xs_cycletimer_span(xsMachine *the) {}
void xs_cycletimer_hz(xsMachine *the) {}
#endif
