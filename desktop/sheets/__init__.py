"""Excel filing table: export, blank template and bulk import (no Qt)."""
