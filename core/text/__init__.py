"""Text shared by every part: token counts, lexical analysis, refusals."""
