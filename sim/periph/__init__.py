"""Scripted peripherals of the simulated board (3.12 Driver AT commands): the devices on its I2C and SPI
buses, the voltages on its ADC channels and the LEDC (PWM) channels it drives. Pure logic, no asyncio."""
