// The whole text of each reply streamed into the page, by message id. The
// server does not send it again when the reply ends (states/chat/shown.py), so
// it is only here: ChatMarkdown writes it at the stream's end and reads it if
// mounted again, the reply's "Copy" button reads it. A "reset" of the shown
// messages (message_log.js) brings every text from the server, and clears it.
export const replyTexts = new Map();
