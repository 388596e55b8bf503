/*
 * Mosquitto 2.0 plugin for FleetID.
 *
 * 1. Stamps every accepted PUBLISH with the username Mosquitto authenticated for the
 *    connection, as an MQTT 5 user property. FleetID attributes a message to that property
 *    and to nothing else the client sent. The message event runs after Mosquitto's ACL check,
 *    so only publishes the ACL file allows get here. A publish that already carries a property
 *    named like a stamp ("fleetid-publisher...") was forged by its client: it is refused.
 *    The stamp's full name is a secret FleetID writes to the stamp file: Mosquitto publishes a
 *    will without this event, so a client could otherwise forge a stamp in its will.
 * 2. On each reload (SIGHUP), disconnects the usernames listed in the kick file, one per line,
 *    then empties it. FleetID writes there the things it disabled, removed or gave a new
 *    secret, together with the password file: Mosquitto checks a password only at CONNECT, so
 *    without this their open connections would live on.
 *
 * Build: gcc -shared -fPIC -O2 -o fleetid_publisher.so fleetid_publisher.c
 * Load (mosquitto.conf):
 *   plugin /path/to/fleetid_publisher.so
 *   plugin_opt_stamp_file /etc/mosquitto/fleetid/stamp
 *   plugin_opt_kick_file /etc/mosquitto/fleetid/kick
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <mosquitto.h>
#include <mosquitto_broker.h>
#include <mosquitto_plugin.h>
#include <mqtt_protocol.h>

#define STAMP_PREFIX "fleetid-publisher"

static mosquitto_plugin_id_t *plugin_id;
static char *kick_file;
static char *stamp_file;
static char stamp[128] = STAMP_PREFIX;

/* The stamp's name from the stamp file (first line); the bare prefix when there is none. */
static void read_stamp(void)
{
	FILE *file;

	if (stamp_file == NULL || (file = fopen(stamp_file, "r")) == NULL) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, "fleetid: no stamp file, stamping as %s", stamp);
		return;
	}
	if (fgets(stamp, sizeof(stamp), file) != NULL) {
		stamp[strcspn(stamp, "\r\n")] = '\0';
	}
	if (strncmp(stamp, STAMP_PREFIX, strlen(STAMP_PREFIX)) != 0) {
		strcpy(stamp, STAMP_PREFIX);
	}
	fclose(file);
}

static bool carries_publisher(const mosquitto_property *properties)
{
	const mosquitto_property *property = properties;
	char *name = NULL;
	char *value = NULL;
	bool skip_first = false;

	while ((property = mosquitto_property_read_string_pair(
			property, MQTT_PROP_USER_PROPERTY, &name, &value, skip_first)) != NULL) {
		bool found = strncmp(name, STAMP_PREFIX, strlen(STAMP_PREFIX)) == 0;
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
			"fleetid: refused a publish on %s: no username, or a forged stamp",
			message->topic);
		return MOSQ_ERR_ACL_DENIED;
	}
	if (mosquitto_property_add_string_pair(&message->properties, MQTT_PROP_USER_PROPERTY,
			stamp, username) != MOSQ_ERR_SUCCESS) {
		return MOSQ_ERR_NOMEM;
	}
	return MOSQ_ERR_SUCCESS;
}

static void kick_listed(void)
{
	char line[256];
	FILE *listed;

	if (kick_file == NULL || (listed = fopen(kick_file, "r+")) == NULL) {
		return;
	}
	while (fgets(line, sizeof(line), listed) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[0] != '\0') {
			mosquitto_log_printf(MOSQ_LOG_NOTICE, "fleetid: disconnecting %s", line);
			mosquitto_kick_client_by_username(line, false);
		}
	}
	if (ftruncate(fileno(listed), 0) != 0) {
		mosquitto_log_printf(MOSQ_LOG_WARNING, "fleetid: could not empty %s", kick_file);
	}
	fclose(listed);
}

static int on_reload(int event, void *event_data, void *userdata)
{
	(void)event;
	(void)event_data;
	(void)userdata;
	read_stamp();
	kick_listed();
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
	int rc;
	(void)userdata;

	plugin_id = identifier;
	for (int i = 0; i < option_count; i++) {
		if (strcmp(options[i].key, "kick_file") == 0) {
			kick_file = mosquitto_strdup(options[i].value);
		} else if (strcmp(options[i].key, "stamp_file") == 0) {
			stamp_file = mosquitto_strdup(options[i].value);
		}
	}
	read_stamp();
	rc = mosquitto_callback_register(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		return rc;
	}
	return mosquitto_callback_register(plugin_id, MOSQ_EVT_RELOAD, on_reload, NULL, NULL);
}

int mosquitto_plugin_cleanup(void *userdata, struct mosquitto_opt *options, int option_count)
{
	(void)userdata;
	(void)options;
	(void)option_count;
	mosquitto_free(kick_file);
	mosquitto_free(stamp_file);
	kick_file = NULL;
	stamp_file = NULL;
	mosquitto_callback_unregister(plugin_id, MOSQ_EVT_RELOAD, on_reload, NULL);
	return mosquitto_callback_unregister(plugin_id, MOSQ_EVT_MESSAGE, on_message, NULL);
}
