// The address of the conversation on screen.
//
// A first message sent from `/` starts a conversation. The page goes on showing
// it and only the address changes to /chat/<id> (history.replaceState, so Back
// does not lead to an empty chat): moving to that route would render the page
// again and have the server handle a page load for what it already shows.
// React Router does not see that change, so what follows the address reads it
// here.
import { useEffect, useRef, useSyncExternalStore } from "react";
import { useLocation, useNavigate } from "react-router";

const CHANGED = "nomask:address";

function subscribe(onChange) {
  window.addEventListener(CHANGED, onChange);
  window.addEventListener("popstate", onChange);
  return () => {
    window.removeEventListener(CHANGED, onChange);
    window.removeEventListener("popstate", onChange);
  };
}

// The path in the address bar; renders again when it changes.
function useAddress() {
  useLocation(); // a move by the router
  return useSyncExternalStore(
    subscribe,
    () => window.location.pathname,
    () => "",
  );
}

// The id of the conversation in the address ("" elsewhere): the sidebar's
// current entry, and the conversation that the composer sends to when the
// server no longer knows which one the page shows (the tab's state was lost).
export function useOpenConversation() {
  return useAddress().match(/^\/chat\/([^/]+)/)?.[1] ?? "";
}

// `conversation` is the id of the conversation the page shows ("" for an
// empty chat). A page that loads or reconnects gets the state as it was, then
// its page load runs: only the value once that has run (`ready`) counts. When
// it has changed while the router is at `/`:
// - to an id: the page's first message started it; show its address;
// - to "": the server opened an empty chat for `/` (a "New chat", or the
//   websocket reconnected and asked for the router's `/` again). If the
//   address bar still names a conversation, the reconnect is what happened:
//   let the router open the conversation that the address names.
export function ShowAddress({ conversation, ready }) {
  const { pathname } = useLocation();
  const navigate = useNavigate();
  const seen = useRef(conversation);
  useEffect(() => {
    if (!ready || conversation === seen.current) return;
    seen.current = conversation;
    if (pathname !== "/") return;
    if (conversation) {
      window.history.replaceState(window.history.state, "", `/chat/${conversation}`);
      window.dispatchEvent(new Event(CHANGED));
    } else if (window.location.pathname !== "/") {
      navigate(window.location.pathname, { replace: true });
    }
  }, [conversation, ready, pathname, navigate]);
  return null;
}
