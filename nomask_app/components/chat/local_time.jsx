// A moment shown in the person's time zone, e.g. "5 Dec, 14:05".
// `zone` is the IANA name the server accepted (it asked this browser for it);
// while it is unknown the browser's own zone is used, which is the same one.
import { useEffect } from "react";

const FORMAT = { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hour12: false };

export function LocalTime({ iso = "", zone = "", fallback = "" }) {
  let text = fallback;
  try {
    const options = zone ? { ...FORMAT, timeZone: zone } : FORMAT;
    text = new Intl.DateTimeFormat("en-GB", options).format(new Date(iso));
  } catch {
    text = fallback;
  }
  return (
    <time dateTime={iso} className="nm-time">
      {text}
    </time>
  );
}

// Tells the server the browser's time zone once, when mounted (the sidebar's
// date groups follow it). A component, not `call_function`: the callback of
// that event is a string Reflex evaluates, which the CSP refuses.
export function BrowserZone({ onZone }) {
  useEffect(() => {
    if (onZone) onZone(Intl.DateTimeFormat().resolvedOptions().timeZone);
  }, []);
  return null;
}
