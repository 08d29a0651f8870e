// Reads calendar files with Mozilla's ical.js (the parser of Thunderbird and many web
// calendars) and does what a calendar does with them: keeps the event of the first file,
// then applies each later file to it as an iTIP message (RFC 5546): one for the same UID
// with a higher SEQUENCE replaces it (REQUEST, PUBLISH) or removes it (CANCEL).
// Prints the event it ends with, as JSON, or null once it is removed.
//
//   node apply_update.mjs first.ics [update.ics ...]
import { readFileSync } from "node:fs";
import ICAL from "ical.js";

function read(path) {
  const calendar = new ICAL.Component(ICAL.parse(readFileSync(path, "utf8")));
  const vevent = calendar.getFirstSubcomponent("vevent");
  if (!vevent) throw new Error(`${path}: no VEVENT`);
  return { method: calendar.getFirstPropertyValue("method"), event: new ICAL.Event(vevent) };
}

const [first, ...updates] = process.argv.slice(2);
let held = read(first).event;
const applied = [];
for (const path of updates) {
  const { method, event } = read(path);
  if (held === null || event.uid !== held.uid || event.sequence <= held.sequence) {
    applied.push(false);
    continue;
  }
  applied.push(true);
  held = method === "CANCEL" ? null : event;
}
const shown = held && {
  uid: held.uid,
  sequence: held.sequence,
  start: held.startDate.toJSDate().toISOString(),
  end: held.endDate.toJSDate().toISOString(),
  organizer: held.organizer,
  url: held.component.getFirstPropertyValue("url"),
};
console.log(JSON.stringify({ applied, event: shown }));
