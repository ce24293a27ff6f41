"""The read path: a question's way from documents to a cited, costed answer."""
