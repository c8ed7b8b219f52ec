/*
 * cmd_decisions: `field-agent decisions [--person ID]` — what the
 * commission decided about this device's cases, as pulled from the server
 * (kept sealed in `remote` like every pulled record): the application
 * number, the outcome, the hours a day, where the case stands and when it
 * is due for reassessment — so the assessor can tell the family at the
 * next visit, with no connection.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "agent.h"
#include "cmd.h"
#include "i18n.h"
#include "store.h"

/* Prints s in a column of `width` terminal columns (cut at a character
 * boundary, padded with spaces), then a space. */
static void column(const char *s, size_t width)
{
	size_t used = 0;
	const unsigned char *p = (const unsigned char *)s;
	while (*p && used < width) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xE0) == 0xC0 ? 2 : (*p & 0xF0) == 0xE0 ? 3 : 4;
		for (size_t i = 0; i < len && *p; i++)
			putchar(*p++);
		used++;
	}
	for (; used < width + 1; used++)
		putchar(' ');
}

static const char *text_of(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* Outcomes and states as the assessor reads them. */
static const char *word(const char *w)
{
	static const struct {
		const char *key, *text;
	} words[] = {
		{"approved", N_("approved")},     {"waitlisted", N_("waiting list")},
		{"ineligible", N_("ineligible")}, {"invalid", N_("incomplete")},
		{"duplicate", N_("duplicate")},   {"proposed", N_("not yet decided")},
		{"offered", N_("offered")},       {"accepted", N_("accepted")},
		{"objected", N_("objected")},     {"contracted", N_("contract signed")},
		{"waiting", N_("waiting")},       {"withdrawn", N_("withdrawn")},
		{"left", N_("left the service")}, {"out", N_("not ranked")},
	};
	for (size_t i = 0; w && i < sizeof words / sizeof words[0]; i++)
		if (!strcmp(words[i].key, w))
			return _(words[i].text);
	return w ? w : "—";
}

int cmd_decisions(int argc, char **argv)
{
	const char *person = NULL;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--person") && i + 1 < argc) {
			person = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			printf("%s", _("usage: field-agent decisions [--person ID]\n"
				       "\n"
				       "Shows what the commission decided about this device's cases, as\n"
				       "received at the last sync: application number, outcome, hours a\n"
				       "day, where the case stands and when it is due for reassessment.\n"));
			return AGENT_EXIT_OK;
		} else {
			fprintf(stderr, _("field-agent decisions: unexpected \"%.40s\"\n"), argv[i]);
			return AGENT_EXIT_USAGE;
		}
	}
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("decisions", &e);
	db_stmt st;
	int n = 0, total = 0;
	char last_round[80] = "";
	if ((rc = db_prepare(&s.d, &st, "SELECT id, sealed FROM remote WHERE kind = 'decision' ORDER BY seq",
			     &e)))
		goto done;
	while ((rc = db_step(&st, &e)) == 1) {
		char aad[96];
		int len;
		const void *p = db_col_blob(&st, 1, &len);
		cJSON *d = NULL;
		snprintf(aad, sizeof aad, "remote/%s", db_col_text(&st, 0));
		if ((rc = store_unseal_json(&s, aad, p, (size_t)len, &d, &e)))
			break;
		const char *pid = text_of(d, "person");
		if (person && (!pid || strcmp(pid, person))) {
			cJSON_Delete(d);
			continue;
		}
		cJSON *fields = NULL;
		char loc[128];
		err ignored = {0, ""};
		const char *name = NULL;
		if (pid && store_person_get(&s, pid, &fields, loc, &ignored) == 0)
			name = text_of(fields, "name");
		const char *round = text_of(d, "round");
		if (round && strcmp(round, last_round)) {
			printf(_("round %s\n"), round);
			snprintf(last_round, sizeof last_round, "%s", round);
			n = 0;
		}
		if (n++ == 0) {
			column(_("No."), 6);
			column(_("person"), 26);
			column(_("outcome"), 16);
			column(_("h/day"), 6);
			column(_("stands"), 18);
			printf("%s\n", _("reassess by"));
		}
		const cJSON *app = cJSON_GetObjectItemCaseSensitive(d, "application");
		const cJSON *hours = cJSON_GetObjectItemCaseSensitive(d, "hours");
		char h[16] = "—", num[24] = "—";
		if (cJSON_IsNumber(hours))
			snprintf(h, sizeof h, "%g", hours->valuedouble);
		if (cJSON_IsNumber(app))
			snprintf(num, sizeof num, "%ld", (long)app->valuedouble);
		column(num, 6);
		column(name ? name : (pid ? pid : "—"), 26);
		column(word(text_of(d, "outcome")), 16);
		column(h, 6);
		column(word(text_of(d, "state")), 18);
		printf("%s\n", text_of(d, "reassess_on") ? text_of(d, "reassess_on") : "—");
		cJSON_Delete(fields);
		cJSON_Delete(d);
		total++;
	}
	db_finalize(&st);
	if (rc > 0)
		rc = 0;
	if (!rc && total == 0)
		printf("%s", _("no decisions received yet (they arrive with sync)\n"));
done:
	store_close(&s);
	return rc ? agent_fail("decisions", &e) : AGENT_EXIT_OK;
}
