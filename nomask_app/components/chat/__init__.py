"""Chat: conversations, messages, replies from AI models, search."""
