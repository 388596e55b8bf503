/*
 * Mosquitto 2.0 plugin: stamps every accepted PUBLISH with the username Mosquitto authenticated
 * for the connection, as the MQTT 5 user property "fleetid-publisher".
 *
 * FleetID attributes a message to that property and to nothing else the client sent. The
 * message event runs after Mosquitto's ACL check, so only publishes the ACL file allows get
 * here. A publish that already carries the property was forged by its client: it is refused.
 *
 * Build: gcc -shared -fPIC -O2 -o fleetid_publisher.so fleetid_publisher.c
 * Load:  plugin /path/to/fleetid_publisher.so   (mosquitto.conf)
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#define PUBLISHER "fleetid-publisher"

static mosquitto_plugin_id_t *plugin_id;

static bool carries_publisher(const mosquitto_property *properties)
{
	const mosquitto_property *property = properties;
	char *name = NULL;
	char *value = NULL;
	bool skip_first = false;

	while ((property = mosquitto_property_read_string_pair(
			property, MQTT_PROP_USER_PROPERTY, &name, &value, skip_first)) != NULL) {
		bool found = strcmp(name, PUBLISHER) == 0;
		mosquitto_free(name);
		mosquitto_free(value);
		if (found) {
			return true;
		}
		skip_first = true;
	}
	return false;
}

static int on_message(int event, void *event_data, void *userdata)
{
	struct mosquitto_evt_message *message = event_data;
	const char *username = mosquitto_client_username(message->client);
	(void)event;
	(void)userdata;

	if (username == NULL || carries_publisher(message->properties)) {
		mosquitto_log_printf(MOSQ_LOG_WARNING,
			"fleetid: refused a publish on %s: no username, or a forged " PUBLISHER,
			message->topic);
		return MOSQ_ERR_ACL_DENIED;
	}
	if (mosquitto_property_add_string_pair(&message->properties, MQTT_PROP_USER_PROPERTY,
			PUBLISHER, username) != MOSQ_ERR_SUCCESS) {
		return MOSQ_ERR_NOMEM;
	}
	return MOSQ_ERR_SUCCESS;
}

int mosquitto_plugin_version(int supported_version_count, const int *supported_versions)
{
	(void)supported_version_count;
	(void)supported_versions;
	return 5;
}

int mosquitto_plugin_init(mosquitto_plugin_id_t *identifier, void **userdata,
		struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	plugin_id = identifier;
	return mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
}
