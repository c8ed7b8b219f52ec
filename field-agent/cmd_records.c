/*
 * cmd_records: households, persons and services delivered — the census
 * side of the assessor's day (`household`, `person`, `service`).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "agent.h"
#include "cmd.h"
#include "i18n.h"
#include "num.h"
#include "ui.h"

/* Service types of the minimum package and of a community centre
 * (domain.md §6), and the Bulgarian home-care services. */
static const char *const service_types[] = {
	"identification", "assessment", "information", "counselling", "accompaniment",
	"assistance", "referral", "monitoring", "kinetotherapy", "speech_therapy",
	"psychological_counselling", "support_group", "parental_education",
	"medical_consultation", "mobile_caravan", "telemedicine", "personal_assistant",
	"social_assistant", "home_helper", "medical_at_home", NULL,
};
static const char *const service_places[] = {"home", "community_centre", "mobile", NULL};

static int in_list(const char *s, const char *const *list)
{
	for (; *list; list++)
		if (!strcmp(s, *list))
			return 1;
	return 0;
}

static void print_list(FILE *f, const char *const *list)
{
	for (; *list; list++)
		fprintf(f, " %s", *list);
	fputc('\n', f);
}

static int usage_error(const char *cmd, const char *msg)
{
	fprintf(stderr, "field-agent %s: %s\n", cmd, msg);
	return AGENT_EXIT_USAGE;
}

static const char *str_of(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

/* --- household ------------------------------------------------------------ */

static int household_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{"locality", required_argument, NULL, 'l'}, {"address", required_argument, NULL, 'a'},
		{"head", required_argument, NULL, 'H'},     {"note", required_argument, NULL, 'n'},
		{NULL, 0, NULL, 0},
	};
	const char *locality = NULL;
	cJSON *f = cJSON_CreateObject();
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'l': locality = optarg; break;
		case 'a': cJSON_AddStringToObject(f, "address", optarg); break;
		case 'H': cJSON_AddStringToObject(f, "head", optarg); break;
		case 'n': cJSON_AddStringToObject(f, "note", optarg); break;
		default: cJSON_Delete(f); return usage_error("household add", _("unknown option (see --help)"));
		}
	}
	if (!locality) {
		cJSON_Delete(f);
		return usage_error("household add", _("--locality is required"));
	}
	store s;
	err e = {0, ""};
	char id[UUID_STR_LEN];
	int rc = agent_open(&s, 1, &e);
	if (!rc)
		rc = store_household_add(&s, locality, f, id, &e);
	cJSON_Delete(f);
	store_close(&s);
	if (rc)
		return agent_fail("household add", &e);
	printf("%s\n", id);
	return AGENT_EXIT_OK;
}

static int household_list(int argc, char **argv)
{
	const char *locality = argc > 2 && !strcmp(argv[1], "--locality") ? argv[2] : NULL;
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("household list", &e);
	db_stmt st;
	if ((rc = db_prepare(&s.d, &st,
			     "SELECT h.id, h.locality, h.sealed, (SELECT count(*) FROM person p"
			     " WHERE p.household_id = h.id) FROM household h"
			     " WHERE :loc IS NULL OR h.locality = :loc ORDER BY h.locality, h.created_at",
			     &e)) == 0) {
		db_bind_text(&st, ":loc", locality, -1);
		while ((rc = db_step(&st, &e)) == 1) {
			int n;
			const void *p = db_col_blob(&st, 2, &n);
			char aad[64];
			cJSON *f = NULL;
			snprintf(aad, sizeof aad, "household/%s", db_col_text(&st, 0));
			if ((rc = store_unseal_json(&s, aad, p, (size_t)n, &f, &e)))
				break;
			printf("%s  %-16s %-28.28s %s: %lld\n", db_col_text(&st, 0), db_col_text(&st, 1),
			       str_of(f, "head"), _("members"), (long long)db_col_int(&st, 3));
			cJSON_Delete(f);
		}
		db_finalize(&st);
	}
	store_close(&s);
	return rc < 0 ? agent_fail("household list", &e) : AGENT_EXIT_OK;
}

static int household_show(const char *id)
{
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("household show", &e);
	db_stmt st;
	cJSON *f = NULL;
	if ((rc = db_prepare(&s.d, &st, "SELECT sealed, locality FROM household WHERE id = :id", &e)) == 0) {
		db_bind_text(&st, ":id", id, -1);
		rc = db_step(&st, &e);
		if (rc == 1) {
			int n;
			const void *p = db_col_blob(&st, 0, &n);
			char aad[64];
			snprintf(aad, sizeof aad, "household/%s", id);
			rc = store_unseal_json(&s, aad, p, (size_t)n, &f, &e);
			if (!rc) {
				printf("%s\n", id);
				printf("  %s: %s\n", _("locality"), db_col_text(&st, 1));
				printf("  %s: %s\n", _("head of household"), str_of(f, "head"));
				printf("  %s: %s\n", _("address"), str_of(f, "address"));
			}
		} else if (rc == 0) {
			rc = err_set(&e, ERR_NOTFOUND, "no household %.40s on this device", id);
		}
		db_finalize(&st);
	}
	cJSON_Delete(f);
	if (!rc && db_prepare(&s.d, &st, "SELECT id, sealed FROM person WHERE household_id = :id ORDER BY created_at", &e) == 0) {
		db_bind_text(&st, ":id", id, -1);
		printf("  %s:\n", _("members"));
		while (db_step(&st, &e) == 1) {
			int n;
			const void *p = db_col_blob(&st, 1, &n);
			char aad[64];
			cJSON *pf = NULL;
			snprintf(aad, sizeof aad, "person/%s", db_col_text(&st, 0));
			if (store_unseal_json(&s, aad, p, (size_t)n, &pf, &e) == 0)
				printf("    %s  %-30.30s %s %s\n", db_col_text(&st, 0), str_of(pf, "name"),
				       str_of(pf, "birth_date"), str_of(pf, "role"));
			cJSON_Delete(pf);
		}
		db_finalize(&st);
	}
	store_close(&s);
	return rc ? agent_fail("household show", &e) : AGENT_EXIT_OK;
}

int cmd_household(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return household_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return household_list(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "show"))
		return household_show(argv[2]);
	printf("%s", _("usage: field-agent household add --locality L [--address A] [--head NAME] [--note T]\n"
		       "       field-agent household list [--locality L]\n"
		       "       field-agent household show ID\n"
		       "\n"
		       "A household of the census: its locality (village or commune) in clear,\n"
		       "the address, head of household and note encrypted. `add` prints the\n"
		       "new household's id; add its members with `field-agent person add\n"
		       "--household ID`.\n"));
	return argc >= 2 && strcmp(argv[1], "--help") ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
}

/* --- person --------------------------------------------------------------- */

static int person_add(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},      {"birth-date", required_argument, NULL, 'b'},
		{"locality", required_argument, NULL, 'l'},  {"household", required_argument, NULL, 'H'},
		{"national-id", required_argument, NULL, 'i'}, {"sex", required_argument, NULL, 's'},
		{"role", required_argument, NULL, 'r'},      {"legal-rep", required_argument, NULL, 'R'},
		{"address", required_argument, NULL, 'a'},   {NULL, 0, NULL, 0},
	};
	const char *locality = NULL, *household = NULL;
	cJSON *f = cJSON_CreateObject();
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'n': cJSON_AddStringToObject(f, "name", optarg); break;
		case 'b': cJSON_AddStringToObject(f, "birth_date", optarg); break;
		case 'l': locality = optarg; break;
		case 'H': household = optarg; break;
		case 'i': cJSON_AddStringToObject(f, "national_id", optarg); break;
		case 's':
			if (strcmp(optarg, "f") && strcmp(optarg, "m")) {
				cJSON_Delete(f);
				return usage_error("person add", _("--sex must be f or m"));
			}
			cJSON_AddStringToObject(f, "sex", optarg);
			break;
		case 'r': cJSON_AddStringToObject(f, "role", optarg); break;
		case 'R': cJSON_AddStringToObject(f, "legal_rep", optarg); break;
		case 'a': cJSON_AddStringToObject(f, "address", optarg); break;
		default: cJSON_Delete(f); return usage_error("person add", _("unknown option (see --help)"));
		}
	}
	if (!locality) {
		cJSON_Delete(f);
		return usage_error("person add", _("--locality is required"));
	}
	store s;
	err e = {0, ""};
	char id[UUID_STR_LEN];
	int dups = 0;
	int rc = agent_open(&s, 1, &e);
	if (!rc)
		rc = store_person_add(&s, household, locality, f, id, &dups, &e);
	cJSON_Delete(f);
	store_close(&s);
	if (rc)
		return agent_fail("person add", &e);
	printf("%s\n", id);
	if (dups)
		fprintf(stderr, _("warning: %d person(s) on this device look like the same person "
				  "(same national id, or same name, birth date and locality): "
				  "see `field-agent person show %s`\n"), dups, id);
	return AGENT_EXIT_OK;
}

/* "  label      value" with the label padded by columns, not bytes
 * (Cyrillic letters take two bytes each). */
static void field_line(const char *label, const char *value)
{
	size_t w = ui_width(label);
	printf("  %s%*s %s\n", label, (int)(w < 16 ? 16 - w : 0), "", value);
}

static int person_edit(int argc, char **argv)
{
	static const struct option opts[] = {
		{"name", required_argument, NULL, 'n'},      {"birth-date", required_argument, NULL, 'b'},
		{"national-id", required_argument, NULL, 'i'}, {"sex", required_argument, NULL, 's'},
		{"role", required_argument, NULL, 'r'},      {"legal-rep", required_argument, NULL, 'R'},
		{"address", required_argument, NULL, 'a'},   {NULL, 0, NULL, 0},
	};
	static const char *const keys[] = {"name", "birth_date", "national_id", "sex", "role",
					   "legal_rep", "address"};
	static const char letters[] = "nbisrRa";
	if (argc < 2 || argv[1][0] == '-')
		return usage_error("person edit", _("give the person's id first"));
	const char *id = argv[1];
	cJSON *patch = cJSON_CreateObject();
	int c;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		const char *k = strchr(letters, c);
		if (!k || !c) {
			cJSON_Delete(patch);
			return usage_error("person edit", _("unknown option (see --help)"));
		}
		cJSON_AddStringToObject(patch, keys[k - letters], optarg);
	}
	if (!cJSON_GetArraySize(patch)) {
		cJSON_Delete(patch);
		return usage_error("person edit", _("nothing to change"));
	}
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (!rc)
		rc = store_person_update(&s, id, patch, 1, &e);
	cJSON_Delete(patch);
	store_close(&s);
	if (rc)
		return agent_fail("person edit", &e);
	printf("%s\n", id);
	return AGENT_EXIT_OK;
}

static int person_show(const char *id)
{
	store s;
	err e = {0, ""};
	cJSON *f = NULL;
	char locality[128];
	buf dups = BUF_INIT;
	int rc = agent_open(&s, 1, &e);
	if (!rc)
		rc = store_person_get(&s, id, &f, locality, &e);
	if (!rc)
		rc = store_person_duplicates(&s, id, &dups, &e);
	if (!rc) {
		printf("%s\n", id);
		field_line(_("name"), str_of(f, "name"));
		field_line(_("birth date"), str_of(f, "birth_date"));
		field_line(_("national id"), str_of(f, "national_id"));
		field_line(_("locality"), locality);
		field_line(_("sex"), str_of(f, "sex"));
		if (dups.len)
			field_line(_("same person?"), dups.data);
		db_stmt st;
		if (db_prepare(&s.d, &st,
			       "SELECT id, instrument, status, revision, updated_at FROM assessment"
			       " WHERE person_id = :id ORDER BY started_at", &e) == 0) {
			db_bind_text(&st, ":id", id, -1);
			while (db_step(&st, &e) == 1)
				printf("  %s %s %s r%lld %s\n", db_col_text(&st, 0), db_col_text(&st, 1),
				       db_col_text(&st, 2), (long long)db_col_int(&st, 3),
				       db_col_text(&st, 4));
			db_finalize(&st);
		}
	}
	cJSON_Delete(f);
	buf_free(&dups);
	store_close(&s);
	return rc ? agent_fail("person show", &e) : AGENT_EXIT_OK;
}

static int person_list(int argc, char **argv)
{
	const char *locality = argc > 2 && !strcmp(argv[1], "--locality") ? argv[2] : NULL;
	store s;
	err e = {0, ""};
	int rc = agent_open(&s, 1, &e);
	if (rc)
		return agent_fail("person list", &e);
	db_stmt st;
	if ((rc = db_prepare(&s.d, &st,
			     "SELECT id, locality, sealed FROM person WHERE :loc IS NULL OR locality = :loc"
			     " ORDER BY locality, created_at", &e)) == 0) {
		db_bind_text(&st, ":loc", locality, -1);
		while ((rc = db_step(&st, &e)) == 1) {
			int n;
			const void *p = db_col_blob(&st, 2, &n);
			char aad[64];
			cJSON *f = NULL;
			snprintf(aad, sizeof aad, "person/%s", db_col_text(&st, 0));
			if ((rc = store_unseal_json(&s, aad, p, (size_t)n, &f, &e)))
				break;
			printf("%s  %-16s %-30.30s %s\n", db_col_text(&st, 0), db_col_text(&st, 1),
			       str_of(f, "name"), str_of(f, "birth_date"));
			cJSON_Delete(f);
		}
		db_finalize(&st);
	}
	store_close(&s);
	return rc < 0 ? agent_fail("person list", &e) : AGENT_EXIT_OK;
}

int cmd_person(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "add"))
		return person_add(argc - 1, argv + 1);
	if (argc >= 2 && !strcmp(argv[1], "list"))
		return person_list(argc - 1, argv + 1);
	if (argc >= 3 && !strcmp(argv[1], "show"))
		return person_show(argv[2]);
	if (argc >= 2 && !strcmp(argv[1], "edit"))
		return person_edit(argc - 1, argv + 1);
	printf("%s", _("usage: field-agent person add --name NAME --birth-date YYYY-MM-DD --locality L\n"
		       "                 [--household ID] [--national-id ID] [--sex f|m]\n"
		       "                 [--role child|woman|applicant] [--legal-rep NAME] [--address A]\n"
		       "       field-agent person edit ID [--name NAME] [--address A] [--sex f|m] …\n"
		       "       field-agent person list [--locality L]\n"
		       "       field-agent person show ID\n"
		       "\n"
		       "Names, national ids, birth dates and addresses are stored encrypted.\n"
		       "`add` warns when the device already has someone with the same national\n"
		       "id, or the same name, birth date and locality.\n"));
	return argc >= 2 && strcmp(argv[1], "--help") ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
}

/* --- service -------------------------------------------------------------- */

/* 1 if item is a yes/no item of the Romanian screening (what a service
 * can resolve), checked against the instrument file the device has. */
static int screening_item(const char *item)
{
	instrument *in = NULL;
	err e = {0, ""};
	if (strlen(item) > INST_MAX_ID ||
	    inst_load_by_id(agent.inst_dirs, "ro-household-screening", 1, &in, &e))
		return 0;
	int slot = inst_slot(in, item, strlen(item));
	int ok = slot >= 0 && in->fields[slot].kind == INST_ITEM && in->fields[slot].type == INST_YESNO;
	inst_free(in);
	return ok;
}

int cmd_service(int argc, char **argv)
{
	static const struct option opts[] = {
		{"person", required_argument, NULL, 'p'}, {"household", required_argument, NULL, 'H'},
		{"type", required_argument, NULL, 't'},   {"date", required_argument, NULL, 'd'},
		{"minutes", required_argument, NULL, 'm'}, {"place", required_argument, NULL, 'P'},
		{"worker", required_argument, NULL, 'w'}, {"note", required_argument, NULL, 'n'},
		{"planned", no_argument, NULL, 'L'},      {"resolves", required_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},         {NULL, 0, NULL, 0},
	};
	const char *person = NULL, *household = NULL, *type = NULL, *date = NULL;
	const char *place = "home", *minutes_s = NULL, *resolves = NULL;
	int planned = 0;
	char today[11];
	long minutes = 0;
	err e = {0, ""};
	int c;
	if (argc < 2 || strcmp(argv[1], "add")) {
		printf("%s", _("usage: field-agent service add (--person ID | --household ID) --type TYPE\n"
			       "                 --minutes N [--date YYYY-MM-DD] [--place PLACE]\n"
			       "                 [--worker NAME] [--note TEXT] [--planned]\n"
			       "                 [--resolves ITEM]\n"
			       "\n"
			       "--planned puts the service in the person's individual service plan\n"
			       "(to be given on --date) instead of logging it as given.\n"
			       "--resolves names the screening item (e.g. housing.no_documents,\n"
			       "health.no_family_doctor) that this service resolved.\n"));
		printf("%s", _("types:"));
		print_list(stdout, service_types);
		printf("%s", _("places:"));
		print_list(stdout, service_places);
		return argc >= 2 && strcmp(argv[1], "--help") ? AGENT_EXIT_USAGE : AGENT_EXIT_OK;
	}
	cJSON *f = cJSON_CreateObject();
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
		switch (c) {
		case 'p': person = optarg; break;
		case 'H': household = optarg; break;
		case 't': type = optarg; break;
		case 'd': date = optarg; break;
		case 'm': minutes_s = optarg; break;
		case 'P': place = optarg; break;
		case 'w': cJSON_AddStringToObject(f, "worker", optarg); break;
		case 'n': cJSON_AddStringToObject(f, "note", optarg); break;
		case 'L': planned = 1; break;
		case 'r': resolves = optarg; break;
		default: cJSON_Delete(f); return usage_error("service add", _("unknown option (see --help)"));
		}
	}
	int rc = AGENT_EXIT_USAGE;
	if (resolves && !screening_item(resolves)) {
		cJSON_Delete(f);
		return usage_error("service add", _("--resolves must name a yes/no item of ro-household-screening"));
	}
	if (resolves && planned) {
		cJSON_Delete(f);
		return usage_error("service add", _("a planned service cannot resolve anything yet"));
	}
	/* in the sealed fields, so they travel in the record's body */
	if (planned)
		cJSON_AddStringToObject(f, "status", "planned");
	if (resolves)
		cJSON_AddStringToObject(f, "resolves", resolves);
	if (!person == !household)
		usage_error("service add", _("give --person or --household"));
	else if (!type || !in_list(type, service_types))
		usage_error("service add", _("--type must be one of the types in --help"));
	else if (!in_list(place, service_places))
		usage_error("service add", _("--place must be home, community_centre or mobile"));
	else if (num_parse_long(minutes_s, 1, 1440, "--minutes", &minutes, &e))
		agent_fail("service add", &e);
	else
		rc = 0;
	if (rc) {
		cJSON_Delete(f);
		return rc;
	}
	if (!date) {
		store_today(today);
		date = today;
	}
	store s;
	char id[UUID_STR_LEN];
	rc = agent_open(&s, 1, &e);
	if (!rc)
		rc = store_service_add(&s, person, household, type, date, (int)minutes, place, f, id, &e);
	cJSON_Delete(f);
	store_close(&s);
	if (rc)
		return agent_fail("service add", &e);
	printf("%s\n", id);
	return AGENT_EXIT_OK;
}
