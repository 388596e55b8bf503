"""The MQTT side: FleetID's own broker (the embedded default) and its wire format."""
