// Anchor for the shared precompiled test header.
