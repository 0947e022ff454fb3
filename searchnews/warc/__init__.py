"""WARC archives as a source of pages: records read past damage, and the pages among them."""
