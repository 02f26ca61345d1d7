"""Pure logic of the TCP/IP command group (3.3): message formats, the ``+++`` detector, the passthrough
packetiser, the passive receive buffer, error numbers and the host-name resolver interface.

No asyncio and no board here: the socket side lives in ``sim/commands/tcpip*.py``.
"""
