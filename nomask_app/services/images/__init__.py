"""Images: the private file store, uploads, the image studio, AI image requests."""
