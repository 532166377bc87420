// The composer's client side, plain DOM work that needs no server round trip:
// - the message box fits its text up to the CSS max-height and shrinks back when
//   its value is set from the server (cleared after a send, or a restored text);
// - `restoreText` (a cancelled queued message) goes back into the box in front of
//   any draft typed meanwhile, so nothing is lost; `onRestored` tells the server;
// - the server clears the box (rx.set_value "") once it has taken a message; by
//   then more may have been typed, so that clear removes only the text that was
//   sent, and a clear with nothing sent since the last one changes nothing;
// - a move between chat pages while a draft is in the box renders a new page,
//   and with it a new box: the draft, its caret and focus move into the new box
//   (after a first message only the address changes, see address.js, but a
//   reconnect of that page moves it to the address);
// - the conversation follows new content while the reader is at its bottom, and
//   offers "Jump to latest" once they scroll up; sending resumes following.
import { useEffect, useLayoutEffect, useRef, useState } from "react";

const SCROLL_ROOT = "[data-scroll-root]";
const AT_BOTTOM_PX = 48;

function fit(box) {
  box.style.height = "auto";
  box.style.height = `${box.scrollHeight + box.offsetHeight - box.clientHeight}px`;
}

// One composer is on screen at a time. This outlives its remounting: `sent` is
// the box's text at its last submit, `carried` the draft of a box that a page
// change removed (taken by the next box only if it comes at once).
const draft = { sent: null, carried: null };
const CARRY_MS = 2000;
const CHAT_PATH = /^\/(chat\/[^/]+\/?)?$/;

// What a clear from the server leaves: what was typed after the sent text.
function afterSent(current) {
  const sent = draft.sent;
  draft.sent = null;
  if (sent === null || !current.startsWith(sent)) return current;
  return current.slice(sent.length);
}

// React and rx.set_value write `value` directly (no input event), so the box
// wraps the property it already has to refit after every write, and to turn
// the server's clear into removing only the sent text.
function guardWrites(box) {
  const own =
    Object.getOwnPropertyDescriptor(box, "value") ||
    Object.getOwnPropertyDescriptor(HTMLTextAreaElement.prototype, "value");
  Object.defineProperty(box, "value", {
    configurable: true,
    get() {
      return own.get.call(this);
    },
    set(value) {
      own.set.call(this, value === "" ? afterSent(own.get.call(this)) : value);
      fit(this);
    },
  });
}

// Runs as the old page is taken down, while its box is still in the document.
function carry(box) {
  draft.carried = null;
  if (!CHAT_PATH.test(window.location.pathname) || !box.value) return;
  draft.carried = {
    text: box.value,
    focused: document.activeElement === box,
    start: box.selectionStart,
    end: box.selectionEnd,
    at: performance.now(),
  };
}

function takeCarried(box) {
  const carried = draft.carried;
  draft.carried = null;
  if (!carried || performance.now() - carried.at > CARRY_MS) return;
  box.value = carried.text + box.value;
  if (carried.focused) {
    box.focus();
    box.setSelectionRange(carried.start, carried.end);
  }
}

function distanceToBottom(root) {
  return root.scrollHeight - root.scrollTop - root.clientHeight;
}

function useFollow() {
  const following = useRef(true);
  const [away, setAway] = useState(false);
  const toBottom = useRef(() => {});
  useEffect(() => {
    let frame = 0;
    const scroll = () => {
      frame = 0;
      const root = document.querySelector(SCROLL_ROOT);
      if (root && following.current) root.scrollTop = root.scrollHeight;
    };
    const changed = () => {
      if (following.current && !frame) frame = requestAnimationFrame(scroll);
    };
    const follow = () => {
      following.current = true;
      setAway(false);
      changed();
    };
    // Only a move up is the reader leaving: growing content and the browser's
    // scroll anchoring also fire scroll events, never with a smaller scrollTop.
    let lastTop = 0;
    const scrolled = (event) => {
      const root = event.target;
      if (!(root instanceof Element) || !root.matches(SCROLL_ROOT)) return;
      const movedUp = root.scrollTop < lastTop - 1;
      lastTop = root.scrollTop;
      if (distanceToBottom(root) < AT_BOTTOM_PX) following.current = true;
      else if (movedUp) following.current = false;
      setAway(!following.current);
    };
    const submitted = (event) => {
      if (event.target instanceof Element && event.target.querySelector(".nm-composer-box")) follow();
    };
    toBottom.current = follow;
    const observer = new MutationObserver(changed);
    observer.observe(document.body, { childList: true, subtree: true, characterData: true });
    document.addEventListener("scroll", scrolled, true);
    document.addEventListener("load", changed, true); // images change heights without mutations
    document.addEventListener("submit", submitted, true);
    return () => {
      cancelAnimationFrame(frame);
      observer.disconnect();
      document.removeEventListener("scroll", scrolled, true);
      document.removeEventListener("load", changed, true);
      document.removeEventListener("submit", submitted, true);
    };
  }, []);
  return [away, () => toBottom.current()];
}

export function ComposerHelper({ targetId = "", restoreText = "", onRestored }) {
  const [away, jump] = useFollow();
  // A layout effect: its cleanup runs while the old page's box is still in the
  // document (focus included), and the new box has the draft before any paint.
  useLayoutEffect(() => {
    const box = document.getElementById(targetId);
    if (!box) return undefined;
    guardWrites(box);
    takeCarried(box);
    const input = () => fit(box);
    const submitted = () => {
      draft.sent = box.value;
    };
    const form = box.form;
    box.addEventListener("input", input);
    form?.addEventListener("submit", submitted, true);
    fit(box);
    return () => {
      carry(box);
      box.removeEventListener("input", input);
      form?.removeEventListener("submit", submitted, true);
      delete box.value;
    };
  }, [targetId]);
  useEffect(() => {
    if (!restoreText) return;
    const box = document.getElementById(targetId);
    if (box) {
      box.value = box.value.trim() ? `${restoreText}\n\n${box.value}` : restoreText;
      box.focus();
    }
    if (onRestored) onRestored();
  }, [restoreText]);
  if (!away) return null;
  return (
    <button type="button" className="nm-jump" onClick={jump}>
      <span aria-hidden="true">↓ </span>Jump to latest
    </button>
  );
}
