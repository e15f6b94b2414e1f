// Reciprocal counting of a loop oscillator on the ESP32 (see cycle-timer.c and ../README.md):
// read() gives the whole cycles between the last stamped edge before the previous read and the
// last one now, span the ticks of the capture clock between those two edges, hz that clock.

class CycleTimer extends Native("xs_cycletimer_destructor") {
	constructor(options) { super(); native("xs_cycletimer_constructor").call(this, options); }
	close() { return native("xs_cycletimer_close").call(this); }
	read() { return native("xs_cycletimer_read").call(this); }
	get span() { return native("xs_cycletimer_span").call(this); }
	get hz() { return native("xs_cycletimer_hz").call(this); }
}

export default CycleTimer;
