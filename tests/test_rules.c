/*
 * test_rules: the rules of domain.md §4, checked through the shipped
 * instrument file instruments/bg-independent-living.v1.json and the real
 * engine — points, rounding, bands, the child cap, groups, ages, the 7.2
 * condition, overrides, ineligibility, invalid cases — and the allocation
 * limits through round.c. Each case is built from a base assessment and
 * changed in one place, so a failure names one rule.
 */
#include <math.h>
#include <stdlib.h>

#include "test.h"
#include "../common/inst.h"
#include "../common/round.h"

static const char *const rated[] = {
	"3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.1.5", "3.2.1", "3.2.2", "3.2.3", "3.2.4",
	"3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "4.1.1", "4.1.2", "4.1.3", "4.1.4",
	"5.1", "5.2", "5.3", "5.4", "5.5", "6.1.1", "6.1.2", "6.1.3", "6.2.1", "6.2.2",
	"6.2.3", "6.2.4", "6.2.5", "6.3.1", "6.3.2", "6.3.3", "6.3.4", "6.3.5", "6.4.1",
	"6.4.2", "6.4.3",
};

static instrument *bg(void)
{
	static instrument *in;
	if (!in) {
		err e = {0, ""};
		if (inst_load_by_id(FA_SOURCE_DIR "/instruments", "bg-independent-living", 1, &in,
				    &e))
			fprintf(stderr, "  cannot load: %s\n", e.msg);
	}
	return in;
}

/* A valid adult case (born 1950, assessed 2026-03-01), every rated item
 * set to `rating`, ТНР 95 with чужда помощ, living alone, not studying. */
static cJSON *base_case(const char *id, int rating)
{
	cJSON *a = cJSON_CreateObject();
	cJSON_AddStringToObject(a, "id", id);
	cJSON_AddStringToObject(a, "instrument", "bg-independent-living");
	cJSON_AddNumberToObject(a, "version", 1);
	cJSON_AddStringToObject(a, "registered_on", "2026-02-25");
	cJSON_AddStringToObject(a, "assessed_on", "2026-03-01");
	cJSON *p = cJSON_AddObjectToObject(a, "person");
	cJSON_AddStringToObject(p, "id", "p-1");
	cJSON_AddStringToObject(p, "birth_date", "1950-03-01");
	cJSON *ans = cJSON_AddObjectToObject(a, "answers");
	for (size_t i = 0; i < sizeof rated / sizeof rated[0]; i++)
		cJSON_AddNumberToObject(ans, rated[i], rating);
	cJSON_AddNumberToObject(ans, "tnr_pct", 95);
	cJSON_AddBoolToObject(ans, "foreign_help", 1);
	cJSON_AddBoolToObject(ans, "mental_deficit", 0);
	cJSON_AddBoolToObject(ans, "lives_alone", 1);
	cJSON_AddNumberToObject(ans, "income_prev_month", 300);
	cJSON_AddBoolToObject(ans, "in_institution", 0);
	cJSON_AddBoolToObject(ans, "other_service", 0);
	cJSON_AddBoolToObject(ans, "other_disabled_in_family", 0);
	cJSON_AddBoolToObject(ans, "single_parent", 0);
	cJSON_AddBoolToObject(ans, "large_family", 0);
	cJSON_AddBoolToObject(ans, "no_family_support", 0);
	cJSON_AddArrayToObject(ans, "7.1");
	return a;
}

static cJSON *answers(cJSON *a)
{
	return cJSON_GetObjectItemCaseSensitive(a, "answers");
}

static void set_num(cJSON *a, const char *key, double v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), key);
	cJSON_AddNumberToObject(answers(a), key, v);
}

static void set_null(cJSON *a, const char *key)
{
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), key);
	cJSON_AddNullToObject(answers(a), key);
}

static void set_bool(cJSON *a, const char *key, int v)
{
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), key);
	cJSON_AddBoolToObject(answers(a), key, v);
}

static void set_birth(cJSON *a, const char *date)
{
	cJSON *p = cJSON_GetObjectItemCaseSensitive(a, "person");
	cJSON_ReplaceItemInObjectCaseSensitive(p, "birth_date", cJSON_CreateString(date));
}

/* Sets every activity by override so that points are exactly n. */
static void set_points(cJSON *a, int n)
{
	set_num(a, "9.a1", 0);
	set_num(a, "9.a2", n > 168 ? 168 : n);
	set_num(a, "9.a3", n > 168 ? n - 168 : 0);
	set_num(a, "9.a4", 0);
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), "9.reason");
	cJSON_AddStringToObject(answers(a), "9.reason", "test");
}

typedef struct result {
	int rc;
	double points, daily, a1, a2, a3, a4, tiebreak;
	char group[16];
	char ineligible[32];
	int medical;
	char msg[ERR_MSG_MAX];
} result;

static double num_of(const inst_eval *ev, const char *id)
{
	int s = inst_slot(ev->in, id, strlen(id));
	if (s < 0 || ev->slots[s].type != EXPR_NUM)
		return NAN;
	return ev->slots[s].u.num;
}

static void str_of(const inst_eval *ev, const char *id, char *out, size_t n)
{
	int s = inst_slot(ev->in, id, strlen(id));
	out[0] = '\0';
	if (s >= 0 && ev->slots[s].type == EXPR_STR)
		snprintf(out, n, "%.*s", (int)ev->slots[s].u.str.len, ev->slots[s].u.str.s);
}

static result score(cJSON *a)
{
	result r;
	memset(&r, 0, sizeof r);
	inst_eval ev;
	err e = {0, ""};
	if (!bg() || inst_eval_init(&ev, bg())) {
		r.rc = -100;
		return r;
	}
	r.rc = inst_evaluate(&ev, a, LANG_EN, &e);
	snprintf(r.msg, sizeof r.msg, "%s", e.msg);
	if (r.rc == 0) {
		r.points = num_of(&ev, "points");
		r.daily = num_of(&ev, "daily_hours");
		r.a1 = num_of(&ev, "a1");
		r.a2 = num_of(&ev, "a2");
		r.a3 = num_of(&ev, "a3");
		r.a4 = num_of(&ev, "a4");
		r.tiebreak = num_of(&ev, "tiebreak");
		str_of(&ev, "group", r.group, sizeof r.group);
		str_of(&ev, "ineligible_reason", r.ineligible, sizeof r.ineligible);
		int s = inst_slot(ev.in, "medical_at_home", 15);
		r.medical = s >= 0 && ev.slots[s].type == EXPR_BOOL && ev.slots[s].u.b;
	}
	inst_eval_free(&ev);
	cJSON_Delete(a);
	return r;
}

static void rules_complete_dependency_is_168(void)
{
	result r = score(base_case("c", 4));
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a2, 168);
	CHECK_INT(r.a1, 0);  /* aged 76: no child-development hours */
	CHECK_INT(r.a3, 0);  /* no mental deficit */
	CHECK_INT(r.a4, 42);
	CHECK_INT(r.points, 168); /* 210 capped */
	CHECK_INT(r.daily, 5);
	CHECK(r.medical);
}

static void rules_no_difficulty_is_zero(void)
{
	result r = score(base_case("c", 0));
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.points, 0);
	CHECK_INT(r.daily, 1);
	CHECK(!r.medical);
}

static void rules_activity_formula_and_half_up(void)
{
	/* A4 draws on 4.1 (4 items), 6.1 (3), 6.4 (3): 10 items. Ratings
	 * summing to 10 give 42 × 10 / 40 = 10.5 → 11 (half up, not to even). */
	cJSON *a = base_case("c", 0);
	set_num(a, "4.1.1", 4);
	set_num(a, "6.1.1", 4);
	set_num(a, "6.4.1", 2);
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a4, 11);
	/* A2: 3.1 (5), 3.2 (4), 4.1 (4), 6.2 (5), 6.3 (5) = 23 items; 4.1.1 = 4
	 * gives 168 × 4 / 92 = 7.30 → 7. */
	CHECK_INT(r.a2, 7);
	CHECK_INT(r.points, 18);

	/* 42 × 5 / 40 = 5.25 → 5 (below half rounds down) */
	a = base_case("c", 0);
	set_num(a, "4.1.1", 4);
	set_num(a, "6.4.1", 1);
	r = score(a);
	CHECK_INT(r.a4, 5);
}

static void rules_mental_deficit_gates_a3(void)
{
	cJSON *a = base_case("c", 2);
	set_bool(a, "mental_deficit", 1);
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a3, 42); /* 84 × (2 × 12) / (4 × 12) */
	r = score(base_case("c", 2));
	CHECK_INT(r.a3, 0);
}

static void rules_age_20_21_child_development(void)
{
	/* A1 only for people aged 20 or younger on the assessment date. */
	cJSON *a = base_case("c", 2);
	set_birth(a, "2005-03-01"); /* 21 on 2026-03-01 */
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a1, 0);
	a = base_case("c", 2);
	set_birth(a, "2005-03-02"); /* still 20 */
	r = score(a);
	CHECK_INT(r.a1, 21); /* 42 × 8 / 16 over 4.1 only (not studying) */
}

static void rules_age_17_18_child_cap(void)
{
	cJSON *a = base_case("c", 4);
	set_birth(a, "2008-03-02"); /* 17 */
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.points, 168);
	CHECK_INT(r.daily, 3); /* a child gets at most 3 hours a day */
	CHECK_STR(r.group, "V-I");
	a = base_case("c", 4);
	set_birth(a, "2008-03-01"); /* 18 that day */
	r = score(a);
	CHECK_INT(r.daily, 5);
	CHECK_STR(r.group, "I");
}

static void rules_band_edges(void)
{
	static const int pts[] = {0, 39, 40, 79, 80, 119, 120, 159, 160, 167, 168, 200};
	static const int want[] = {1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 5, 5};
	for (size_t i = 0; i < sizeof pts / sizeof pts[0]; i++) {
		cJSON *a = base_case("c", 0);
		set_points(a, pts[i]);
		result r = score(a);
		CHECK_INT(r.rc, 0);
		CHECK_INT(r.points, pts[i] > 168 ? 168 : pts[i]);
		if ((int)r.daily != want[i])
			fprintf(stderr, "  points %d: daily %g, expected %d\n", pts[i], r.daily,
				want[i]);
		CHECK_INT(r.daily, want[i]);
	}
}

static void rules_override_replaces_and_cap_holds(void)
{
	cJSON *a = base_case("c", 4);
	set_num(a, "9.a2", 30);
	cJSON_AddStringToObject(answers(a), "9.reason", "lives with a daughter");
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a2, 30);
	CHECK_INT(r.points, 72); /* 30 + A4 42 */
	/* Overrides may sum past 168; points stay capped. */
	a = base_case("c", 0);
	set_num(a, "9.a1", 168);
	set_num(a, "9.a2", 168);
	cJSON_AddStringToObject(answers(a), "9.reason", "x");
	r = score(a);
	CHECK_INT(r.points, 168);
	/* An override without a written reason is refused. */
	a = base_case("c", 0);
	set_num(a, "9.a2", 30);
	r = score(a);
	CHECK_INT(r.rc, ERR_INVALID);
	CHECK_STR(r.msg, "9.reason: missing");
	/* Out of 0-168. */
	a = base_case("c", 0);
	set_num(a, "9.a2", 169);
	cJSON_AddStringToObject(answers(a), "9.reason", "x");
	r = score(a);
	CHECK_INT(r.rc, ERR_INVALID);
	CHECK(strstr(r.msg, "9.a2: out of range") == r.msg);
}

static void rules_education_items_only_when_studying(void)
{
	/* Not studying: 7.2 answers given anyway are not counted. */
	cJSON *a = base_case("c", 0);
	set_birth(a, "2010-01-01");
	set_num(a, "7.2.1", 4);
	set_num(a, "7.2.2", 4);
	set_num(a, "7.2.3", 4);
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a1, 0);
	/* Studying: 7.2 is required ... */
	a = base_case("c", 0);
	set_birth(a, "2010-01-01");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(answers(a), "7.1"),
			     cJSON_CreateString("school"));
	r = score(a);
	CHECK_INT(r.rc, ERR_INVALID);
	CHECK_STR(r.msg, "7.2.1: missing");
	/* ... and counted: A1 over 7.2 (3) and 4.1 (4) = 7 items. */
	a = base_case("c", 0);
	set_birth(a, "2010-01-01");
	cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(answers(a), "7.1"),
			     cJSON_CreateString("school"));
	set_num(a, "7.2.1", 4);
	set_num(a, "7.2.2", 4);
	set_num(a, "7.2.3", 4);
	r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_INT(r.a1, 18); /* 42 × 12 / 28 = 18 */
	CHECK_INT(r.a4, 10); /* 13 items: 42 × 12 / 52 = 9.69 → 10 */
}

/* One row of the group table: inputs and the expected group. */
typedef struct group_row {
	const char *birth;
	int tnr; /* -1: no expert decision (null) */
	int help, alone;
	double income;
	const char *group;
} group_row;

static void rules_groups_and_tnr_edges(void)
{
	static const group_row rows[] = {
		{"2015-01-01", 90, 1, 0, 0, "V-I"},
		{"2015-01-01", 89, 1, 0, 0, "VII"},
		{"2015-01-01", 95, 0, 0, 0, "VI"},
		{"1950-01-01", 90, 1, 1, 0, "I"},
		{"1950-01-01", -1, 0, 1, 0, "II"},
		{"1950-01-01", -1, 1, 0, 0, "OTHER"},
		{"1950-01-01", 90, 0, 1, 0, "III"},
		{"1950-01-01", 50, 0, 1, 1, "VIII"},
		{"1950-01-01", 70, 0, 1, 0.01, "VIII"},
		{"1950-01-01", 70, 0, 1, 0, "IV"},
		{"1950-01-01", 71, 0, 1, 500, "IV"},
		{"1950-01-01", 89, 1, 1, 500, "IV"},
		{"1950-01-01", 49, 0, 1, 500, "OTHER"},
		{"1950-01-01", 100, 1, 0, 0, "V"},
		{"1950-01-01", 90, 0, 0, 0, "VI"},
		{"1950-01-01", 71, 0, 0, 0, "VII"},
		{"1950-01-01", 89, 1, 0, 0, "VII"},
		{"1950-01-01", 70, 0, 0, 0, "IX"},
		{"1950-01-01", 50, 1, 0, 0, "IX"},
		{"1950-01-01", 49, 1, 0, 0, "OTHER"},
		{"1950-01-01", 0, 0, 0, 0, "OTHER"},
	};
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const group_row *g = &rows[i];
		cJSON *a = base_case("c", 1);
		set_birth(a, g->birth);
		if (g->tnr < 0)
			set_null(a, "tnr_pct");
		else
			set_num(a, "tnr_pct", g->tnr);
		set_bool(a, "foreign_help", g->help);
		set_bool(a, "lives_alone", g->alone);
		set_num(a, "income_prev_month", g->income);
		result r = score(a);
		CHECK_INT(r.rc, 0);
		if (strcmp(r.group, g->group))
			fprintf(stderr, "  row %zu (tnr %d help %d alone %d income %g): %s, expected %s\n",
				i, g->tnr, g->help, g->alone, g->income, r.group, g->group);
		CHECK_STR(r.group, g->group);
	}
}

static void rules_tiebreak_child_and_adult(void)
{
	cJSON *a = base_case("c", 2);
	set_birth(a, "2015-01-01");
	set_bool(a, "single_parent", 1);
	set_bool(a, "large_family", 1);
	result r = score(a);
	CHECK_INT(r.tiebreak, 2);
	r = score(base_case("c", 2));
	CHECK_INT(r.tiebreak, r.a2);
	CHECK_INT(r.tiebreak, 84);
}

static void rules_ineligible_kept_with_reason(void)
{
	cJSON *a = base_case("c", 3);
	set_bool(a, "in_institution", 1);
	result r = score(a);
	CHECK_INT(r.rc, 0);
	CHECK_STR(r.ineligible, "in_institution");
	CHECK(r.points > 0); /* still scored, shown apart */
	a = base_case("c", 3);
	set_bool(a, "other_service", 1);
	r = score(a);
	CHECK_STR(r.ineligible, "other_service");
}

static void rules_invalid_cases_name_the_field(void)
{
	cJSON *a = base_case("c", 1);
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), "3.2.1");
	result r = score(a);
	CHECK_INT(r.rc, ERR_INVALID);
	CHECK_STR(r.msg, "3.2.1: missing");

	a = base_case("c", 1);
	set_num(a, "3.1.2", 5);
	r = score(a);
	CHECK_STR(r.msg, "3.1.2: not one of the choices");

	a = base_case("c", 1);
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), "lives_alone");
	cJSON_AddStringToObject(answers(a), "lives_alone", "yes");
	r = score(a);
	CHECK_STR(r.msg, "lives_alone: expected true or false");

	a = base_case("c", 1);
	set_num(a, "tnr_pct", 101);
	r = score(a);
	CHECK(strncmp(r.msg, "tnr_pct: out of range", 21) == 0);

	a = base_case("c", 1);
	set_num(a, "tnr_pct", 50.5);
	r = score(a);
	CHECK_STR(r.msg, "tnr_pct: expected an integer");

	a = base_case("c", 1);
	set_num(a, "income_prev_month", -1);
	r = score(a);
	CHECK(strncmp(r.msg, "income_prev_month: out of range", 31) == 0);

	a = base_case("c", 1);
	set_birth(a, "1950-02-30");
	r = score(a);
	CHECK_STR(r.msg, "person.birth_date: expected a date YYYY-MM-DD");

	a = base_case("c", 1);
	set_num(a, "3.9.9", 1);
	r = score(a);
	CHECK_STR(r.msg, "answers.3.9.9: unknown item");

	/* Messages follow the language asked for. */
	a = base_case("c", 1);
	cJSON_DeleteItemFromObjectCaseSensitive(answers(a), "3.2.1");
	inst_eval ev;
	err e = {0, ""};
	CHECK_INT(inst_eval_init(&ev, bg()), 0);
	CHECK_INT(inst_evaluate(&ev, a, LANG_BG, &e), ERR_INVALID);
	CHECK_STR(e.msg, "3.2.1: липсва");
	CHECK_INT(inst_evaluate(&ev, a, LANG_RO, &e), ERR_INVALID);
	CHECK_STR(e.msg, "3.2.1: lipsește");
	inst_eval_free(&ev);
	cJSON_Delete(a);
}

/* --- allocation through round.c --------------------------------------- */

static round_ctx *round_of(int nadults, int nchildren, int points_each)
{
	round_ctx *r = NULL;
	err e = {0, ""};
	if (round_new(bg(), &r, &e))
		return NULL;
	for (int i = 0; i < nadults + nchildren; i++) {
		char id[32];
		snprintf(id, sizeof id, "case-%03d", i);
		cJSON *a = base_case(id, 0);
		if (i >= nadults)
			set_birth(a, "2015-06-01");
		set_points(a, points_each - i); /* distinct, falling */
		round_add(r, a, &e);
		cJSON_Delete(a);
	}
	return r;
}

static int count_outcome(const round_ctx *r, rank_outcome o, rank_limit l)
{
	int n = 0;
	for (size_t i = 0; i < round_count(r); i++) {
		const round_case *c = round_get(r, i);
		n += c->rc.outcome == o && (o != RANK_WAITLISTED || c->rc.limit == l);
	}
	return n;
}

static void rules_children_quota(void)
{
	/* 8 adults then 6 children (lower points); 12 places, 25 % → 3 children. */
	round_ctx *r = round_of(8, 6, 160);
	CHECK(r != NULL);
	rank_capacity cap = {12, 0.25, 0, 0};
	err e = {0, ""};
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(count_outcome(r, RANK_APPROVED, RANK_LIMIT_NONE), 11);
	CHECK_INT(count_outcome(r, RANK_WAITLISTED, RANK_LIMIT_CHILDREN), 3);
	/* share 0: no child approved */
	cap.children_share = 0;
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(count_outcome(r, RANK_APPROVED, RANK_LIMIT_NONE), 8);
	/* users limit reached first: the reason is users, not children */
	cap.max_users = 8;
	cap.children_share = 0.25;
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(count_outcome(r, RANK_WAITLISTED, RANK_LIMIT_USERS), 6);
	round_free(r);
}

static void rules_hours_budget(void)
{
	/* points 100, 99, 98, 97 against an hours budget */
	round_ctx *r = round_of(4, 0, 100);
	rank_capacity cap = {150, 0.25, 1, 298};
	err e = {0, ""};
	CHECK_INT(round_run(r, &cap, &e), 0);
	/* 100 + 99 + 98 = 297 ≤ 298; 297 + 97 > 298 → hours */
	CHECK_INT(count_outcome(r, RANK_APPROVED, RANK_LIMIT_NONE), 3);
	CHECK_INT(count_outcome(r, RANK_WAITLISTED, RANK_LIMIT_HOURS), 1);
	cap.hours_budget = 297;
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(count_outcome(r, RANK_APPROVED, RANK_LIMIT_NONE), 3);
	/* 199 + 98 > 296.9 stops rank 3, but rank 4 (97) still fits: the walk
	 * goes on past a case that did not fit. */
	cap.hours_budget = 296.9;
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(count_outcome(r, RANK_APPROVED, RANK_LIMIT_NONE), 3);
	CHECK_INT(round_get(r, 2)->rc.outcome, RANK_WAITLISTED);
	CHECK_INT(round_get(r, 2)->rc.limit, RANK_LIMIT_HOURS);
	CHECK_INT(round_get(r, 3)->rc.outcome, RANK_APPROVED);
	round_free(r);
}

static void rules_other_instrument_refused(void)
{
	round_ctx *r = NULL;
	err e = {0, ""};
	CHECK_INT(round_new(bg(), &r, &e), 0);
	cJSON *a = base_case("x", 1);
	cJSON_ReplaceItemInObjectCaseSensitive(a, "instrument",
					       cJSON_CreateString("ro-household-screening"));
	CHECK_INT(round_add(r, a, &e), ERR_INVALID);
	CHECK(strstr(e.msg, "another instrument") != NULL);
	cJSON_Delete(a);
	/* a duplicate id is invalid, the first stays */
	a = base_case("same", 1);
	CHECK_INT(round_add(r, a, &e), 0);
	CHECK_INT(round_add(r, a, &e), 0);
	cJSON_Delete(a);
	rank_capacity cap = {150, 0.25, 0, 0};
	CHECK_INT(round_run(r, &cap, &e), 0);
	CHECK_INT(round_count(r), 2);
	CHECK_INT(round_get(r, 0)->rc.outcome, RANK_APPROVED);
	CHECK_INT(round_get(r, 1)->rc.outcome, RANK_OUT_INVALID);
	round_free(r);
}

static void rules_cleanup(void)
{
	inst_free(bg());
}

TEST_TABLE(rules) = {
	{"rules_complete_dependency_is_168", rules_complete_dependency_is_168},
	{"rules_no_difficulty_is_zero", rules_no_difficulty_is_zero},
	{"rules_activity_formula_and_half_up", rules_activity_formula_and_half_up},
	{"rules_mental_deficit_gates_a3", rules_mental_deficit_gates_a3},
	{"rules_age_20_21_child_development", rules_age_20_21_child_development},
	{"rules_age_17_18_child_cap", rules_age_17_18_child_cap},
	{"rules_band_edges", rules_band_edges},
	{"rules_override_replaces_and_cap_holds", rules_override_replaces_and_cap_holds},
	{"rules_education_items_only_when_studying", rules_education_items_only_when_studying},
	{"rules_groups_and_tnr_edges", rules_groups_and_tnr_edges},
	{"rules_tiebreak_child_and_adult", rules_tiebreak_child_and_adult},
	{"rules_ineligible_kept_with_reason", rules_ineligible_kept_with_reason},
	{"rules_invalid_cases_name_the_field", rules_invalid_cases_name_the_field},
	{"rules_children_quota", rules_children_quota},
	{"rules_hours_budget", rules_hours_budget},
	{"rules_other_instrument_refused", rules_other_instrument_refused},
	{"rules_cleanup", rules_cleanup},
	{NULL, NULL},
};
