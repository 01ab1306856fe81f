"""The Qt-free core: checklists, the store, the filing lifecycle, validation and summaries."""
