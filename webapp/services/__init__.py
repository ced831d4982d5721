"""What the site does. Functions take a session and plain values, flush, never commit."""
