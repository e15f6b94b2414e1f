// @ts-check
/** The page's words in Bahasa Indonesia (the default) and English. */
const WORDS = {
  id: {
    title: "Pantau — armada sensor jalan",
    skip: "Langsung ke isi",
    fleetLink: "Armada",
    switchLang: "English",
    switchLangName: "Switch to English",
    login: "Masuk",
    logout: "Keluar",
    username: "Nama pengguna",
    password: "Kata sandi",
    loginTitle: "Masuk ke Pantau",
    loginNeeded: "Masuk dengan akun gateway untuk melihat armada.",
    loginFailed: "Gagal masuk: {error}",
    loggedInAs: "{user} ({role})",
    demoVisitor: "Demo · {role}",
    "role:command-center": "pusat komando",
    "role:field-crew": "tim lapangan",
    alarms: "Alarm aktif",
    noAlarms: "Tidak ada alarm aktif.",
    "alarm:deviceOffline": "Unit tidak terdengar",
    "alarm:batteryLow": "Baterai lemah",
    "alarm:linkDegraded": "Sinyal radio lemah",
    "severity:critical": "KRITIS",
    "severity:warning": "PERINGATAN",
    since: "sejak {time}",
    live: "Bacaan langsung",
    noReading: "Belum ada bacaan.",
    observed: "diamati {time}",
    fleet: "Armada",
    filterSite: "Lokasi",
    filterRole: "Peran",
    filterState: "Keadaan",
    all: "Semua",
    shown: "{n} dari {total} unit",
    sortBy: "Urutkan menurut {col}",
    "col:unit": "Unit",
    "col:role": "Peran",
    "col:site": "Lokasi",
    "col:road": "Jalan",
    "col:lanes": "Lajur",
    "col:state": "Keadaan",
    "col:lastSeen": "Terakhir terdengar",
    "col:battery": "Baterai",
    "col:signal": "RSSI / SNR",
    "col:firmware": "Firmware",
    "col:queue": "Antrean",
    "col:lost": "Frame hilang",
    "state:online": "Daring",
    "state:offline": "DIAM",
    "state:unknown": "Belum terdengar",
    never: "belum pernah",
    map: "Peta lokasi",
    mapNote: "Dari koordinat registri; tanpa internet.",
    back: "← Kembali ke armada",
    unitTitle: "Unit {id}: {name}",
    last24h: "24 jam terakhir",
    noHistory: "Belum ada riwayat.",
    statusHistory: "Riwayat status",
    commission: "Uji komisioning",
    commissionPass: "LULUS: semua pemeriksaan lulus.",
    commissionNotYet: "BELUM LULUS: lihat pemeriksaan yang gagal atau menunggu.",
    commissionNote: "Pemeriksaan yang sama dengan `pantau commission`, dari yang sudah diterima gateway. Pengaturan unit dan tabel relai jembatan hanya terbaca lewat port unit.",
    "checkState:pass": "✔ LULUS",
    "checkState:fail": "✘ GAGAL",
    "checkState:waiting": "… MENUNGGU",
    "check:status": "frame status",
    "check:clock": "jam unit",
    "check:battery": "baterai",
    "check:link margin": "cadangan sinyal radio",
    "check:oscillator in range": "osilator dalam rentang",
    "check:baseline stable": "garis dasar stabil",
    "check:sensitivity set": "sensitivitas diatur",
    "check:lane": "lajur {lane} menghitung",
    "check:reference level set": "tinggi acuan diatur",
    "check:reading plausible": "bacaan masuk akal",
    "check:alarm thresholds ordered": "ambang alarm berurutan",
    "check:radar seeing targets": "radar melihat kendaraan",
    "check:limit set": "batas kecepatan diatur",
    "check:hearing sensors": "mendengar sensor",
    "check:duty-cycle budget left": "sisa jatah waktu kirim",
    "series:battery": "Baterai (V)",
    time: "Waktu",
    uptime: "Hidup",
    faults: "Gangguan",
    rejected: "Frame ditolak",
    noRejected: "Tidak ada frame ditolak sejak gateway menyala.",
    rejectedNote: "Hanya frame asli (MIC cocok) yang dihitung untuk unit ini.",
    reason: "Alasan",
    link: "Jalur",
    "reason:store-failed": "penyimpanan gagal",
    "reason:framing": "bingkai rusak",
    "reason:cbor": "CBOR rusak",
    "reason:envelope": "amplop salah",
    "reason:version": "versi protokol lain",
    "reason:unknown-device": "unit tak dikenal",
    "reason:mic": "MIC salah",
    "reason:replay": "ulangan (replay)",
    "reason:range": "nilai di luar batas",
    "reason:type": "jenis pesan tak sah",
    commands: "Perintah",
    noCommands: "Belum ada perintah.",
    commandFor: "Perintah untuk unit {id}",
    send: "Kirim",
    sending: "Mengirim…",
    sent: "Perintah {id} diterima gateway, menunggu unit…",
    commandFailed: "Ditolak: {error}",
    lookOnly: "Login tim lapangan hanya dapat melihat; perintah hanya untuk pusat komando.",
    op: "Jenis perintah",
    ttl: "Berlaku (detik)",
    "op:setSign": "Atur rambu",
    "op:setFlood": "Atur ambang banjir",
    "op:setIntervals": "Atur interval laporan",
    "op:requestStatus": "Minta status sekarang",
    "op:reboot": "Nyalakan ulang",
    "op:setTime": "Setel jam unit",
    "field:limitKmh": "Batas kecepatan (km/jam)",
    "field:flashMarginKmh": "Kedip di atas batas (km/jam)",
    "field:blankAboveKmh": "Kosongkan di atas (km/jam)",
    "field:alertMm": "Siaga (mm)",
    "field:dangerMm": "Bahaya (mm)",
    "field:referenceMm": "Tinggi sensor (mm)",
    "field:statusS": "Status tiap (detik)",
    "field:statsIntervalS": "Statistik tiap (detik)",
    "field:reportIntervalS": "Laporan tiap (detik)",
    "field:fastIntervalS": "Laporan cepat tiap (detik)",
    "field:intervalS": "Interval lalu lintas (detik)",
    "field:timeS": "Waktu (detik Unix, kosong = jam gateway)",
    "cmd:queued": "antre",
    "cmd:delivered": "terkirim",
    "cmd:applied": "diterapkan",
    "cmd:rejected": "ditolak",
    "cmd:expired": "kedaluwarsa",
    created: "Dibuat",
    outcome: "Hasil",
    streamDown: "Sambungan langsung terputus, mencoba lagi…",
    loading: "Memuat…",
    error: "Gagal memuat: {error}",
  },
  en: {
    title: "Pantau — roadside sensor fleet",
    skip: "Skip to content",
    fleetLink: "Fleet",
    switchLang: "Bahasa Indonesia",
    switchLangName: "Ganti ke Bahasa Indonesia",
    login: "Log in",
    logout: "Log out",
    username: "Username",
    password: "Password",
    loginTitle: "Log in to Pantau",
    loginNeeded: "Log in with a gateway account to see the fleet.",
    loginFailed: "Login failed: {error}",
    loggedInAs: "{user} ({role})",
    demoVisitor: "Demo · {role}",
    "role:command-center": "command center",
    "role:field-crew": "field crew",
    alarms: "Open alarms",
    noAlarms: "No open alarms.",
    "alarm:deviceOffline": "Unit silent",
    "alarm:batteryLow": "Battery low",
    "alarm:linkDegraded": "Radio link weak",
    "severity:critical": "CRITICAL",
    "severity:warning": "WARNING",
    since: "since {time}",
    live: "Live readings",
    noReading: "No reading yet.",
    observed: "observed {time}",
    fleet: "Fleet",
    filterSite: "Site",
    filterRole: "Role",
    filterState: "State",
    all: "All",
    shown: "{n} of {total} units",
    sortBy: "Sort by {col}",
    "col:unit": "Unit",
    "col:role": "Role",
    "col:site": "Site",
    "col:road": "Road",
    "col:lanes": "Lanes",
    "col:state": "State",
    "col:lastSeen": "Last heard",
    "col:battery": "Battery",
    "col:signal": "RSSI / SNR",
    "col:firmware": "Firmware",
    "col:queue": "Queue",
    "col:lost": "Lost frames",
    "state:online": "Online",
    "state:offline": "SILENT",
    "state:unknown": "Not heard yet",
    never: "never",
    map: "Site map",
    mapNote: "From the registry's coordinates; no internet needed.",
    back: "← Back to the fleet",
    unitTitle: "Unit {id}: {name}",
    last24h: "Last 24 hours",
    noHistory: "No history yet.",
    statusHistory: "Status history",
    commission: "Commissioning checks",
    commissionPass: "PASS: every check passes.",
    commissionNotYet: "NOT YET: see the checks that fail or wait.",
    commissionNote: "The same checks as `pantau commission`, on what the gateway has heard. The unit's settings and a bridge's relay table are read only on the unit's port.",
    "checkState:pass": "✔ PASS",
    "checkState:fail": "✘ FAIL",
    "checkState:waiting": "… WAITING",
    "check:status": "status frame",
    "check:clock": "unit clock",
    "check:battery": "battery",
    "check:link margin": "link margin",
    "check:oscillator in range": "oscillator in range",
    "check:baseline stable": "baseline stable",
    "check:sensitivity set": "sensitivity set",
    "check:lane": "lane {lane} counting",
    "check:reference level set": "reference level set",
    "check:reading plausible": "reading plausible",
    "check:alarm thresholds ordered": "alarm thresholds ordered",
    "check:radar seeing targets": "radar seeing targets",
    "check:limit set": "limit set",
    "check:hearing sensors": "hearing sensors",
    "check:duty-cycle budget left": "duty-cycle budget left",
    "series:battery": "Battery (V)",
    time: "Time",
    uptime: "Uptime",
    faults: "Faults",
    rejected: "Rejected frames",
    noRejected: "No frames refused since the gateway started.",
    rejectedNote: "Only authentic frames (their MIC held) count for this unit.",
    reason: "Reason",
    link: "Link",
    "reason:store-failed": "store failed",
    "reason:framing": "broken framing",
    "reason:cbor": "broken CBOR",
    "reason:envelope": "bad envelope",
    "reason:version": "other protocol version",
    "reason:unknown-device": "unknown unit",
    "reason:mic": "wrong MIC",
    "reason:replay": "replay",
    "reason:range": "value out of range",
    "reason:type": "message type not allowed",
    commands: "Commands",
    noCommands: "No commands yet.",
    commandFor: "Command for unit {id}",
    send: "Send",
    sending: "Sending…",
    sent: "Command {id} taken by the gateway, waiting for the unit…",
    commandFailed: "Refused: {error}",
    lookOnly: "A field-crew login can look only; commands are for the command center.",
    op: "Kind of command",
    ttl: "Valid for (s)",
    "op:setSign": "Set the sign",
    "op:setFlood": "Set flood levels",
    "op:setIntervals": "Set report intervals",
    "op:requestStatus": "Request status now",
    "op:reboot": "Reboot",
    "op:setTime": "Set the unit's clock",
    "field:limitKmh": "Speed limit (km/h)",
    "field:flashMarginKmh": "Flash above the limit by (km/h)",
    "field:blankAboveKmh": "Blank above (km/h)",
    "field:alertMm": "Alert (mm)",
    "field:dangerMm": "Danger (mm)",
    "field:referenceMm": "Sensor height (mm)",
    "field:statusS": "Status every (s)",
    "field:statsIntervalS": "Statistics every (s)",
    "field:reportIntervalS": "Report every (s)",
    "field:fastIntervalS": "Fast report every (s)",
    "field:intervalS": "Traffic interval (s)",
    "field:timeS": "Time (Unix s, empty = the gateway's clock)",
    "cmd:queued": "queued",
    "cmd:delivered": "delivered",
    "cmd:applied": "applied",
    "cmd:rejected": "rejected",
    "cmd:expired": "expired",
    created: "Created",
    outcome: "Outcome",
    streamDown: "Live connection lost, retrying…",
    loading: "Loading…",
    error: "Could not load: {error}",
  },
};

/** @typedef {keyof typeof WORDS} Lang */
/** @typedef {keyof typeof WORDS.id} Key */

const STORED = "pantau.lang";

/** @type {Lang} */
export let lang = localStorage.getItem(STORED) === "en" ? "en" : "id";

/** @param {Lang} next */
export function setLang(next) {
  lang = next;
  localStorage.setItem(STORED, next);
  document.documentElement.lang = next;
  document.title = t("title");
}

/**
 * Whether the page has words for `key` in its language.
 * @param {string} key
 */
export function has(key) {
  return key in WORDS[lang];
}

/**
 * The phrase for `key` with `{name}` placeholders filled; an unknown key shows as itself.
 * @param {string} key
 * @param {Record<string, string | number>} [vars]
 */
export function t(key, vars = {}) {
  const words = /** @type {Record<string, string>} */ (WORDS[lang]);
  const phrase = words[key] ?? key;
  return phrase.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? `{${name}}`));
}

function locale() {
  return lang === "id" ? "id-ID" : "en-GB";
}

/**
 * An instant in the phone's own time zone: the time alone today ("14.05.09"), else with the date.
 * @param {string | number | null | undefined} at
 */
export function localTime(at) {
  if (at === null || at === undefined) return t("never");
  const when = new Date(at);
  const today = when.toDateString() === new Date().toDateString();
  return new Intl.DateTimeFormat(locale(), today ? { timeStyle: "medium" } : { dateStyle: "medium", timeStyle: "medium" }).format(when);
}

/**
 * How long ago, in words: "2 menit lalu" / "2 minutes ago".
 * @param {string | number | null | undefined} at
 */
export function ago(at) {
  if (at === null || at === undefined) return t("never");
  const s = Math.max(0, Math.round((Date.now() - new Date(at).getTime()) / 1000));
  /** @type {[number, Intl.RelativeTimeFormatUnit]} */
  const [n, unit] = s < 90 ? [s, "second"] : s < 5400 ? [Math.round(s / 60), "minute"] : s < 129600 ? [Math.round(s / 3600), "hour"] : [Math.round(s / 86400), "day"];
  return new Intl.RelativeTimeFormat(locale(), { numeric: "always" }).format(-n, unit);
}

/**
 * A number in the page's language: "1,25" in Indonesian, "1.25" in English.
 * @param {number | null | undefined} value
 * @param {number} [digits]
 */
export function num(value, digits = 0) {
  if (value === null || value === undefined) return "—";
  return new Intl.NumberFormat(locale(), { minimumFractionDigits: digits, maximumFractionDigits: digits }).format(value);
}
