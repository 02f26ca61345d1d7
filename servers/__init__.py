"""Host-side peers: the other end of every connection an ESP-AT board makes (see servers/README.md).

Modules: pki (test PKI), tcp/udp with behaviours and record (TCP/SSL/UDP peers), mqtt (mosquitto and
its WebSocket bridge), http, ws, sntp, dns, ota, peerset (all of them from one context). Run one
standalone with ``python -m servers NAME --bind ADDR:PORT``. Nothing here imports pytest.
"""
