"""JavaScript injected into benchmark pages: timestamps taken inside the page.

Times are `performance.now()` (milliseconds since navigation start), taken in
the next animation frame after the DOM changed, so they approximate paint.
"""

PROBE_SCRIPT = r"""
(() => {
  const nm = (window.__nm = {readyAt: 0, sentAt: 0, firstTokenAt: 0, lastTokenAt: 0,
                             clickedAt: 0, foundAt: 0});
  const painted = (set) => requestAnimationFrame(() => set(performance.now()));
  // Ready: the box is on screen and the app's first state update has arrived
  // over its websocket, so typing and sending are handled.
  let live = false;
  const NativeSocket = window.WebSocket;
  window.WebSocket = class extends NativeSocket {
    constructor(...args) {
      super(...args);
      this.addEventListener("message", (event) => {
        if (!live && typeof event.data === "string" && event.data.includes('"delta"')) {
          live = true;
          check();
        }
      });
    }
  };
  const ready = () => {
    const box = document.getElementById("composer");
    return live && box && !box.disabled;
  };
  const check = () => {
    if (!nm.readyAt && ready()) {
      nm.readyAt = -1;
      painted((t) => (nm.readyAt = t));
    }
  };
  const watchReady = new MutationObserver(() => {
    check();
    if (nm.readyAt) watchReady.disconnect();
  });
  const everything = {childList: true, subtree: true, attributes: true};
  document.addEventListener("DOMContentLoaded", () =>
    watchReady.observe(document.documentElement, everything));
  document.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && event.target.id === "composer") {
      nm.sentAt = performance.now();
    }
  }, true);
  document.addEventListener("click", (event) => {
    if (event.target.closest("a")) nm.clickedAt = performance.now();
  }, true);
  // `lastWord`: the reply's last token (the fake provider's words count from word0).
  nm.watchReplies = (lastWord = "word199") => {
    nm.firstTokenAt = nm.lastTokenAt = 0;
    const before = document.querySelectorAll('[data-role="assistant"]').length;
    // The new reply, looked up again only when the page replaced it (the move from
    // `/` to `/chat/<id>`): searching the page at every change would cost the page
    // time that grows with its messages, and count in what is measured.
    let reply = null;
    const observer = new MutationObserver(() => {
      if (!reply || !reply.isConnected) {
        const replies = document.querySelectorAll('[data-role="assistant"]');
        if (replies.length <= before) return;
        reply = replies[replies.length - 1];
      }
      const body = reply.querySelector(".nm-md");
      const text = body ? body.textContent : "";
      if (!nm.firstTokenAt && text.includes("word0")) {
        nm.firstTokenAt = -1;
        painted((t) => (nm.firstTokenAt = t));
      }
      if (!nm.lastTokenAt && text.includes(lastWord)) {
        nm.lastTokenAt = -1;
        painted((t) => (nm.lastTokenAt = t));
        observer.disconnect();
      }
    });
    observer.observe(document.body, {childList: true, subtree: true, characterData: true});
  };
  nm.watchFor = (needle) => {
    nm.foundAt = 0;
    const observer = new MutationObserver(() => {
      const shown = document.querySelectorAll('[data-testid="message"]');
      const last = shown[shown.length - 1];
      if (last && last.textContent.includes(needle)) {
        nm.foundAt = -1;
        painted((t) => (nm.foundAt = t));
        observer.disconnect();
      }
    });
    observer.observe(document.body, {childList: true, subtree: true});
  };
})();
"""

# Counts React component renders, as React DevTools would see them: a
# function or class component rendered when its props or state object
# changed since the last commit (a memo bail-out keeps both). By component
# name, while `window.__nmRenders.on` is true. Installed before React loads.
RENDER_COUNTER_SCRIPT = r"""
(() => {
  const counter = (window.__nmRenders = {on: false, total: 0, byName: {}});
  const seen = new WeakMap();
  const COMPONENT_TAGS = new Set([0, 1, 11, 14, 15]);
  const nameOf = (type) =>
    type?.displayName || type?.name || type?.render?.displayName || type?.render?.name ||
    type?.type?.displayName || type?.type?.name || "anonymous";
  const visit = (fiber) => {
    for (; fiber; fiber = fiber.sibling) {
      if (COMPONENT_TAGS.has(fiber.tag)) {
        const before = seen.get(fiber) || (fiber.alternate && seen.get(fiber.alternate));
        const now = [fiber.memoizedProps, fiber.memoizedState];
        if (counter.on && (!before || before[0] !== now[0] || before[1] !== now[1])) {
          counter.total += 1;
          // A simple memo component's type is its inner function, often
          // unnamed; the memo wrapper (elementType) carries Reflex's name.
          const wrapper = nameOf(fiber.elementType);
          const name = wrapper === "anonymous" ? nameOf(fiber.type) : wrapper;
          counter.byName[name] = (counter.byName[name] || 0) + 1;
        }
        seen.set(fiber, now);
      }
      visit(fiber.child);
    }
  };
  window.__REACT_DEVTOOLS_GLOBAL_HOOK__ = {
    supportsFiber: true,
    isDisabled: false,
    renderers: new Map(),
    inject: () => 1,
    checkDCE: () => {},
    onScheduleFiberRoot: () => {},
    onCommitFiberRoot: (_id, root) => visit(root.current),
    onPostCommitFiberRoot: () => {},
    onCommitFiberUnmount: () => {},
  };
})();
"""
