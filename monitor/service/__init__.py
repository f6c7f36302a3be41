"""The roof: the one composition root (`app`), the daemon and its scheduler, the web listener, systemd's notify."""
