"""The Qt desktop app: a thin layer over the core (desktop.core) and the Word/Excel outputs."""
