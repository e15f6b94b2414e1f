import { deflateRawSync, inflateRawSync, type ZlibOptions } from "node:zlib";
import type { Database, Statement } from "better-sqlite3";

/**
 * How a reading's JSON is kept on disk: raw deflate with a preset dictionary, after the id of that
 * dictionary (unsigned LEB128). The dictionaries live in the file (`dictionaries`), one per message
 * type and kind, and are never changed or deleted: every stored payload names the one it needs, so
 * a file stays readable whatever this code learns later.
 *
 * A type and kind's first dictionary is its first payload: the readings of one kind share their
 * field names, entity ids, site and road, which leaves mostly the values to pack (an 864-byte
 * loop reading takes about 70 bytes). When a kind's payloads change shape (a new gateway version
 * adds fields), packing gets worse; after `RETRAIN_AFTER` poorly packed payloads in a row the
 * previous one is tried as a dictionary, and becomes the next version if it packs much better.
 */
export class PayloadCodec {
  private readonly byId = new Map<number, DictionaryEntry>();
  /** the newest dictionary of each type and kind */
  private readonly latest = new Map<string, DictionaryEntry>();
  /** per type and kind: poorly packed payloads in a row, and the last one */
  private readonly recent = new Map<string, { poor: number; last: string }>();
  /** dictionaries added by the open transaction */
  private added: DictionaryEntry[] = [];
  private readonly s: {
    all: Statement<[], DictionaryRow>;
    get: Statement<[number], DictionaryRow>;
    insert: Statement<[number, number, Buffer]>;
  };

  constructor(db: Database) {
    this.s = {
      all: db.prepare<[], DictionaryRow>("SELECT id, type_id, kind_id, dictionary FROM dictionaries ORDER BY id"),
      get: db.prepare<[number], DictionaryRow>("SELECT id, type_id, kind_id, dictionary FROM dictionaries WHERE id = ?"),
      insert: db.prepare<[number, number, Buffer]>("INSERT INTO dictionaries (type_id, kind_id, dictionary) VALUES (?, ?, ?)"),
    };
    for (const row of this.s.all.all()) this.remember(row);
  }

  /** Packs a payload of the given type and kind (label ids); call inside the write transaction that stores it. */
  encode(typeId: number, kindId: number, json: string): Buffer {
    const key = `${typeId}:${kindId}`;
    const dictionary = this.latest.get(key) ?? this.add(typeId, kindId, json);
    let packed = pack(dictionary, json);
    const recent = this.recent.get(key) ?? { poor: 0, last: json };
    recent.poor = packed.length * POOR_RATIO > json.length ? recent.poor + 1 : 0;
    if (recent.poor >= RETRAIN_AFTER) {
      recent.poor = 0;
      const candidate = newEntry(0, typeId, kindId, sampleDictionary(recent.last));
      if (pack(candidate, json).length * RETRAIN_GAIN < packed.length) packed = pack(this.add(typeId, kindId, recent.last), json);
    }
    recent.last = json;
    this.recent.set(key, recent);
    return packed;
  }

  /** The JSON of a packed payload; a string is a payload stored as text (a message of its own) and comes back as it is. */
  decode(stored: Buffer | string): string {
    if (typeof stored === "string") return stored;
    let id = 0;
    let shift = 0;
    let at = 0;
    for (;;) {
      const byte = stored[at++];
      if (byte === undefined) throw new Error("store: a packed payload ends inside its dictionary id (the file is damaged)");
      id += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if (byte < 0x80) break;
    }
    return inflateRawSync(stored.subarray(at), this.dictionary(id).unpack).toString("utf8");
  }

  /** The open transaction committed: the dictionaries it added stay. */
  commit(): void {
    this.added = [];
  }

  /** The open transaction failed: the dictionaries it added are gone from the file, so from the cache too. */
  rollback(): void {
    for (const entry of this.added) {
      this.byId.delete(entry.id);
      const key = `${entry.typeId}:${entry.kindId}`;
      if (this.latest.get(key) === entry) this.latest.delete(key);
    }
    // the newest left may be older than one this cache forgot: look again on the next use
    for (const row of this.s.all.all()) this.remember(row);
    this.recent.clear();
    this.added = [];
  }

  private add(typeId: number, kindId: number, sample: string): DictionaryEntry {
    const dictionary = sampleDictionary(sample);
    const id = Number(this.s.insert.run(typeId, kindId, dictionary).lastInsertRowid);
    const entry = this.remember({ id, type_id: typeId, kind_id: kindId, dictionary });
    this.added.push(entry);
    return entry;
  }

  private dictionary(id: number): DictionaryEntry {
    const cached = this.byId.get(id);
    if (cached) return cached;
    // added by another connection to the file since this one loaded
    const row = this.s.get.get(id);
    if (!row) throw new Error(`store: a payload names dictionary ${id}, which the file does not hold (the file is damaged)`);
    return this.remember(row);
  }

  private remember(row: DictionaryRow): DictionaryEntry {
    const entry = newEntry(row.id, row.type_id, row.kind_id, row.dictionary);
    this.byId.set(entry.id, entry);
    const key = `${entry.typeId}:${entry.kindId}`;
    if ((this.latest.get(key)?.id ?? 0) < entry.id) this.latest.set(key, entry);
    return entry;
  }
}

/** Dictionary bytes kept of a sample: readings are well under this. */
const MAX_DICTIONARY_BYTES = 2048;
/**
 * Packing: a 4 KiB window holds the dictionary and a reading, and a small hash table is quicker
 * to set up; most of a short payload's cost is that setup. Unpacking uses zlib's largest window,
 * which reads whatever window a payload was packed with. Node's zlib allocates an output chunk
 * per call (16 KiB unless told) and cannot reuse a context that has a dictionary, so the chunks
 * are sized to what comes out (a packed reading ~70 bytes, a reading ~900; more takes another
 * chunk): 8.4 µs a payload packed where 16 KiB chunks took 11.2, unpacking 3.5 µs where they took 6.7.
 */
const PACK = { windowBits: 12, memLevel: 3, chunkSize: 512 } as const;
const UNPACK_CHUNK = 1024;
/** A payload packed to more than 1/POOR_RATIO of its size counts as poorly packed. */
const POOR_RATIO = 4;
const RETRAIN_AFTER = 64;
/** A new dictionary version must pack at least this many times smaller than the current one. */
const RETRAIN_GAIN = 1.5;

interface DictionaryRow {
  id: number;
  type_id: number;
  kind_id: number;
  dictionary: Buffer;
}

interface DictionaryEntry {
  id: number;
  typeId: number;
  kindId: number;
  /** the id as the payload prefix */
  prefix: Buffer;
  pack: ZlibOptions;
  unpack: ZlibOptions;
}

function newEntry(id: number, typeId: number, kindId: number, dictionary: Buffer): DictionaryEntry {
  return { id, typeId, kindId, prefix: leb128(id), pack: { ...PACK, dictionary }, unpack: { dictionary, chunkSize: UNPACK_CHUNK } };
}

function sampleDictionary(json: string): Buffer {
  return Buffer.from(json).subarray(0, MAX_DICTIONARY_BYTES);
}

function pack(entry: DictionaryEntry, json: string): Buffer {
  return Buffer.concat([entry.prefix, deflateRawSync(json, entry.pack)]);
}

function leb128(n: number): Buffer {
  const bytes: number[] = [];
  do {
    const low = n % 0x80;
    n = Math.floor(n / 0x80);
    bytes.push(n > 0 ? low | 0x80 : low);
  } while (n > 0);
  return Buffer.from(bytes);
}
