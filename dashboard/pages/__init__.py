"""The Dash pages, one module each; Dash imports them itself (``use_pages``)."""
