"""The ESP32's ROM download mode, simulated: what esptool talks to after the auto-reset circuit has held
GPIO0 low while EN rose (sim/rom/strap.py), and the flash it writes (sim/rom/spiflash.py).

The protocol is esptool's serial protocol (https://docs.espressif.com/projects/esptool/en/latest/esp32/
advanced-topics/serial-protocol.html, and esptool's own source, ``esptool/loader.py``): SLIP frames
(sim/rom/slip.py) carrying commands that sim/rom/loader.py answers, as the ROM does and, once esptool has
loaded its flasher stub, as the stub does. Which firmware the written flash boots is sim/firmware.py's
business, read from the app image's header and app descriptor (sim/rom/image.py).

Everything here is sans-IO: bytes in, bytes out; the transport (sim/transport.py) carries them.
"""
