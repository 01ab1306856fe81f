"""The Qt desktop app: a thin layer over the core (desktop.store, validation, reports, sheets, summary)."""
