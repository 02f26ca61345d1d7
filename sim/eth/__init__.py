"""The simulated board's Ethernet interface (3.10): the link model; the LAN is the air file's."""
