"""Programs the tests run in fresh processes (a backend or a device count fixed at start-up)."""
