import { autoDetect, type AutoDetectTypes } from "@serialport/bindings-cpp";
import { SerialPortStream } from "@serialport/stream";

/**
 * A serial port on this platform's native binding: what the `serialport` package's SerialPort is,
 * built from its two parts. Importing `serialport` also loads its ten parsers, its mock binding and
 * `debug`, none used here: some 20-30 ms of CPU at every gateway start.
 */
export type SerialPort = SerialPortStream<AutoDetectTypes>;

const binding = autoDetect();

/** The port, not opened yet: open() reports failures to its callback. */
export function serialPort(path: string, baudRate: number): SerialPort {
  return new SerialPortStream({ binding, path, baudRate, autoOpen: false });
}
