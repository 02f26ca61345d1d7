"""The simulated board's radios beyond Wi-Fi: Bluetooth LE on the run's virtual air (servers.ble_air)."""
