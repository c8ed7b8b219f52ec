/*
 * gen-cases: writes realistic synthetic `bg-independent-living` assessments
 * in the exchange format of shared/spec/domain.md section 9 (the form of
 * shared/acceptance/bg-ranking-sample.json), as one JSON array, for tests,
 * demos and benchmarks of the ranking and sync code.
 *
 * The output is a pure function of the options: every case i is drawn from
 * PRNG streams seeded by (seed, i) alone, so the same options give the same
 * bytes, a shorter --count gives a prefix of a longer one, and changing
 * --invalid-rate, --ineligible-rate or --override-rate only adds defects,
 * flags or overrides to otherwise identical cases. Cases are generated and
 * written one at a time, so memory is constant whatever the count (one
 * fixed table of national-id counters keeps national ids unique for up to
 * 500 people of one sex born on one day).
 *
 * Standalone: libc and libm only.
 *   cc -std=c11 -D_GNU_SOURCE -O2 -o gen-cases scripts/gen-cases.c -lm
 */
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen-names.h"
#include "gen-common.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), (unsigned)NELEM(a))])

/* ---- options -------------------------------------------------------- */

typedef struct gc_opts {
	uint64_t count;
	uint64_t seed;
	double invalid_rate;
	double ineligible_rate;
	double override_rate;
	double children_rate;
	bool compact;
	const char *out_path; /* NULL: stdout */
} gc_opts;

/* ---- calendar: gen-common.h ---------------------------------------- */

/* 0 = Sunday ... 6 = Saturday. */
static int weekday(int z)
{
	return z >= -4 ? (z + 4) % 7 : (z + 5) % 7 + 6;
}

/* ---- the case model ------------------------------------------------- */

#define N_ITEMS 42     /* rated items, 3.1.1 .. 7.2.3 */
#define N_BASE_ITEMS 39 /* all but 7.2.x */

/* Keys of the rated items, already quoted and followed by a colon. */
static const char *const item_keys[N_ITEMS] = {
	"\"3.1.1\":", "\"3.1.2\":", "\"3.1.3\":", "\"3.1.4\":", "\"3.1.5\":",
	"\"3.2.1\":", "\"3.2.2\":", "\"3.2.3\":", "\"3.2.4\":",
	"\"3.3.1\":", "\"3.3.2\":", "\"3.3.3\":", "\"3.3.4\":", "\"3.3.5\":",
	"\"4.1.1\":", "\"4.1.2\":", "\"4.1.3\":", "\"4.1.4\":",
	"\"5.1\":", "\"5.2\":", "\"5.3\":", "\"5.4\":", "\"5.5\":",
	"\"6.1.1\":", "\"6.1.2\":", "\"6.1.3\":",
	"\"6.2.1\":", "\"6.2.2\":", "\"6.2.3\":", "\"6.2.4\":", "\"6.2.5\":",
	"\"6.3.1\":", "\"6.3.2\":", "\"6.3.3\":", "\"6.3.4\":", "\"6.3.5\":",
	"\"6.4.1\":", "\"6.4.2\":", "\"6.4.3\":",
	"\"7.2.1\":", "\"7.2.2\":", "\"7.2.3\":",
};

/* First index of each part in item_keys, by the part's role. */
enum {
	IT_31 = 0, IT_32 = 5, IT_33 = 9, IT_41 = 14, IT_5 = 18, IT_61 = 23,
	IT_62 = 26, IT_63 = 31, IT_64 = 36, IT_72 = 39, IT_END = 42
};

/* The eleven booleans, in the order of the sample. */
enum {
	B_FOREIGN_HELP, B_MENTAL_DEFICIT, B_LIVES_ALONE, B_IN_INSTITUTION,
	B_OTHER_SERVICE, B_OTHER_DISABLED, B_SINGLE_PARENT, B_LARGE_FAMILY,
	B_NO_FAMILY_SUPPORT, N_BOOLS
};
static const char *const bool_keys[N_BOOLS] = {
	"\"foreign_help\":", "\"mental_deficit\":", "\"lives_alone\":",
	"\"in_institution\":", "\"other_service\":",
	"\"other_disabled_in_family\":", "\"single_parent\":",
	"\"large_family\":", "\"no_family_support\":",
};

static const char *const edu_forms[] = {
	"kindergarten", "school", "special_school", "vocational", "university",
	"other",
};
enum { EDU_KINDERGARTEN, EDU_SCHOOL, EDU_SPECIAL, EDU_VOCATIONAL,
       EDU_UNIVERSITY, EDU_OTHER };

enum { AGE_CHILD, AGE_YOUNG, AGE_ADULT, AGE_ELDER };
enum { SEV_MILD, SEV_MODERATE, SEV_SEVERE, SEV_COMPLETE };

/* What is wrong with an invalid case (at most one thing). */
enum {
	DEF_NONE,
	DEF_ITEM_MISSING,   /* a required rated item left out */
	DEF_ITEM_RANGE,     /* a rated item outside 0-4 */
	DEF_ITEM_TYPE,      /* a rated item that is not an integer */
	DEF_TNR_RANGE,      /* tnr_pct outside 0-100 */
	DEF_TNR_TYPE,       /* tnr_pct a string */
	DEF_BOOL_TYPE,      /* a yes/no that is not a boolean */
	DEF_INCOME_RANGE,   /* income below 0 */
	DEF_INCOME_TYPE,    /* income a string */
	DEF_EDU_TYPE,       /* 7.1 not an array */
};

typedef struct gc_case {
	char id[37];
	char person_id[37];
	int registered_on, assessed_on, birth_date; /* day numbers */
	const char *first_name, *surname, *locality;
	const char *street;      /* street or housing estate */
	int house_no;            /* > 0: a street address */
	const char *house_suffix;
	int block, apartment;    /* estate address */
	const char *entrance;
	char national_id[11];
	int items[N_ITEMS];
	bool studying;           /* 7.1 non-empty, 7.2.x asked */
	int n_edu;
	int edu[2];
	int tnr;                 /* -1: null */
	bool b[N_BOOLS];
	int income_cents;
	int n_over;
	int over_act[2];         /* 1..4, ascending */
	int over_hours[2];
	const char *over_reason;
	const char *note;        /* 3.note or NULL */
	int defect;
	int defect_target;       /* item index or bool index */
	int defect_variant;
} gc_case;

/* National ids: per birth day and sex, how many were issued, so that the
 * three "region" digits differ (up to 500 per day and sex, like ЕГН). */
#define EGN_BASE_YEAR 1920
#define EGN_DAYS 40000
static uint16_t egn_issued[EGN_DAYS][2];


/* A made-up ЕГН: YYMMDD (month + 40 for births from 2000), three digits of
 * which the last is even for a man and odd for a woman, and the ЕГН check
 * digit (weights 2 4 8 5 10 9 7 3 6, mod 11, 10 counts as 0). */
static void make_national_id(int birth, bool female, char out[11])
{
	int y, m, d;
	civil_from_days(birth, &y, &m, &d);
	int idx = birth - days_from_civil(EGN_BASE_YEAR, 1, 1);
	unsigned k = 0;
	if (idx >= 0 && idx < EGN_DAYS)
		k = egn_issued[idx][female]++;
	/* 337 is prime to 500: the first 500 people of a day get distinct
	 * slots, and the start differs from day to day. */
	unsigned slot = (k * 337u + (unsigned)(mix64((uint64_t)birth) % 500u)) % 500u;
	unsigned region = slot * 2u + (female ? 1u : 0u);
	int mm = y >= 2000 ? m + 40 : m;
	int digits[10] = {
		(y / 10) % 10, y % 10, mm / 10, mm % 10, d / 10, d % 10,
		(int)(region / 100), (int)(region / 10 % 10), (int)(region % 10), 0,
	};
	static const int weights[9] = { 2, 4, 8, 5, 10, 9, 7, 3, 6 };
	int sum = 0;
	for (int i = 0; i < 9; i++)
		sum += digits[i] * weights[i];
	digits[9] = sum % 11 % 10;
	for (int i = 0; i < 10; i++)
		out[i] = (char)('0' + digits[i]);
	out[10] = '\0';
}

/* Rounds x half up and clamps it to a rating 0-4. */
static int to_rating(double x)
{
	int v = (int)floor(x + 0.5);
	return v < 0 ? 0 : v > 4 ? 4 : v;
}

static void rate_part(gen_rng *r, gc_case *c, int from, int to, double level,
		      double spread)
{
	for (int i = from; i < to; i++)
		c->items[i] = to_rating(level + spread * rng_gauss(r));
}

/* The suggested monthly hours of activity act (1..4) by the default rule
 * of domain.md 4.3 (need x cap, rounded half up), ignoring applicability. */
static int suggested_hours(const gc_case *c, int act)
{
	static const int caps[5] = { 0, 42, 168, 84, 42 };
	int parts[5][2], np = 0;
#define ADD(a, b) (parts[np][0] = (a), parts[np][1] = (b), np++)
	switch (act) {
	case 1: ADD(IT_41, IT_5); if (c->studying) ADD(IT_72, IT_END); break;
	case 2: ADD(IT_31, IT_33); ADD(IT_41, IT_5); ADD(IT_62, IT_64); break;
	case 3: ADD(IT_32, IT_41); ADD(IT_61, IT_62); break;
	default: ADD(IT_41, IT_5); ADD(IT_61, IT_62); ADD(IT_64, IT_72);
		if (c->studying) ADD(IT_72, IT_END);
		break;
	}
#undef ADD
	int sum = 0, n = 0;
	for (int p = 0; p < np; p++)
		for (int i = parts[p][0]; i < parts[p][1]; i++) {
			sum += c->items[i];
			n++;
		}
	/* round(cap * sum / (4n)) half up, in integers */
	return (2 * caps[act] * sum + 4 * n) / (8 * n);
}

/* Education forms that fit an age; returns false when the person does
 * not study. */
static bool draw_education(gen_rng *r, gc_case *c, int age, int severity)
{
	double p;
	if (age < 3 || age > 25)
		return false;
	p = age <= 6 ? 0.65 : age <= 15 ? 0.85 : age <= 18 ? 0.70
	    : age <= 20 ? 0.35 : 0.12;
	if (severity == SEV_COMPLETE)
		p *= 0.6;
	if (!rng_chance(r, p))
		return false;
	double u = rng_unit(r);
	int f;
	if (age <= 6)
		f = u < 0.85 ? EDU_KINDERGARTEN : u < 0.93 ? EDU_SPECIAL : EDU_OTHER;
	else if (age <= 15)
		f = u < 0.75 ? EDU_SCHOOL : u < 0.95 ? EDU_SPECIAL : EDU_OTHER;
	else if (age <= 18)
		f = u < 0.45 ? EDU_SCHOOL : u < 0.80 ? EDU_VOCATIONAL
		  : u < 0.95 ? EDU_SPECIAL : EDU_OTHER;
	else
		f = u < 0.60 ? EDU_UNIVERSITY : u < 0.85 ? EDU_VOCATIONAL
		  : EDU_OTHER;
	c->edu[0] = f;
	c->n_edu = 1;
	/* several answers are allowed: sometimes also an "other" form
	 * (a day centre, a therapy group) */
	if (f != EDU_OTHER && rng_chance(r, 0.08))
		c->edu[c->n_edu++] = EDU_OTHER;
	return true;
}

/* Picks a first name that fits sex, birth year and origin. */
static const char *draw_first_name(gen_rng *r, bool female, int birth_year,
				   bool turkish)
{
	if (turkish)
		return female ? PICK(r, gn_female_tr) : PICK(r, gn_male_tr);
	double u = rng_unit(r);
	int era; /* 0 old, 1 mid, 2 modern */
	if (birth_year < 1955)
		era = u < 0.75 ? 0 : 1;
	else if (birth_year < 1980)
		era = u < 0.25 ? 0 : 1;
	else if (birth_year < 2000)
		era = u < 0.5 ? 1 : 2;
	else
		era = u < 0.15 ? 1 : 2;
	if (female)
		return era == 0 ? PICK(r, gn_female_old)
		     : era == 1 ? PICK(r, gn_female_mid) : PICK(r, gn_female_modern);
	return era == 0 ? PICK(r, gn_male_old)
	     : era == 1 ? PICK(r, gn_male_mid) : PICK(r, gn_male_modern);
}

static const char *draw_locality(gen_rng *r, bool *city)
{
	static unsigned total;
	if (total == 0)
		for (size_t i = 0; i < NELEM(gn_localities); i++)
			total += gn_localities[i].weight;
	unsigned x = rng_below(r, total);
	size_t i = 0;
	while (x >= gn_localities[i].weight) {
		x -= gn_localities[i].weight;
		i++;
	}
	*city = i == 0;
	return gn_localities[i].name;
}

/* Draws one case. r carries the person and the answers; d carries what the
 * rates decide (ineligible, override, defect), always the same number of
 * draws, so that changing a rate changes nothing else. */
static void generate_case(const gc_opts *o, uint64_t index, gc_case *c)
{
	gen_rng r = { mix64(o->seed ^ mix64(index + 0x632BE59BD9B4E019ULL)) };
	gen_rng d = { mix64(r.s ^ 0xD1B54A32D192ED03ULL) };

	memset(c, 0, sizeof *c);
	/* a case a minute, the person entered half a minute before the
	 * assessment (ids as a device makes them: gen-common.h) */
	uint64_t ms = GEN_ID_EPOCH_MS + index * 60000u;
	gen_uuid(&r, ms + 30000u, c->id);
	gen_uuid(&r, ms, c->person_id);

	/* dates: applications registered on working days 2026-01-05 ..
	 * 2026-04-30, visited 0-30 days later, also on a working day */
	static int reg_lo, reg_hi;
	if (reg_lo == 0) {
		reg_lo = days_from_civil(2026, 1, 5);  /* a Monday */
		reg_hi = days_from_civil(2026, 4, 30);
	}
	int reg = reg_lo + (int)rng_below(&r, (unsigned)(reg_hi - reg_lo + 1));
	int wd = weekday(reg);
	reg -= wd == 6 ? 1 : wd == 0 ? 2 : 0;
	int off = (int)rng_below(&r, 31);
	wd = weekday(reg + off);
	if (wd == 6)
		off += off >= 1 ? -1 : 2;
	else if (wd == 0)
		off += off >= 2 ? -2 : 1;
	c->registered_on = reg;
	c->assessed_on = reg + off;

	/* age group and age in whole years on assessed_on */
	int group, age;
	if (rng_chance(&r, o->children_rate)) {
		group = AGE_CHILD;
		unsigned w = rng_below(&r, 81); /* ages 0,1,2 rarer */
		age = w < 1 ? 0 : w < 3 ? 1 : w < 6 ? 2 : 3 + (int)(w - 6) / 5;
	} else {
		double u = rng_unit(&r);
		if (u < 0.05) {
			group = AGE_YOUNG;
			age = rng_range(&r, 18, 20);
		} else if (u < 0.40) {
			group = AGE_ADULT;
			age = 21 + (int)(44.0 * sqrt(rng_unit(&r)));
		} else {
			group = AGE_ELDER;
			age = 65 + (int)(31.0 * (rng_unit(&r) + rng_unit(&r)) / 2.0);
		}
	}
	{
		int y, m, dd;
		civil_from_days(c->assessed_on, &y, &m, &dd);
		int hi = days_from_civil(y - age, m, dd);
		int lo = days_from_civil(y - age - 1, m, dd);
		c->birth_date = lo + 1 + (int)rng_below(&r, (unsigned)(hi - lo));
	}
	int birth_year, bm, bd;
	civil_from_days(c->birth_date, &birth_year, &bm, &bd);

	/* sex, names, place */
	double female_share = group == AGE_CHILD ? 0.45
			    : group == AGE_ELDER ? 0.62 : 0.5;
	bool female = rng_chance(&r, female_share);
	bool turkish = rng_chance(&r, 0.07);
	c->first_name = draw_first_name(&r, female, birth_year, turkish);
	const struct gn_surname *sn = turkish ? &PICK(&r, gn_surnames_tr)
					      : &PICK(&r, gn_surnames_bg);
	c->surname = female ? sn->female : sn->male;
	bool city;
	c->locality = draw_locality(&r, &city);
	if (city && rng_chance(&r, 0.3)) {
		c->street = PICK(&r, gn_estates_city);
		c->block = rng_range(&r, 1, 140);
		c->entrance = PICK(&r, gn_entrances);
		c->apartment = rng_range(&r, 1, 90);
	} else {
		c->street = city ? PICK(&r, gn_streets_city)
				 : PICK(&r, gn_streets_village);
		/* small numbers are commoner */
		double u = rng_unit(&r);
		c->house_no = 1 + (int)((city ? 120.0 : 80.0) * u * u);
		c->house_suffix = rng_chance(&r, 0.05) ? "А" : "";
	}
	make_national_id(c->birth_date, female, c->national_id);

	/* severity of dependency, by age group */
	static const double sev_w[4][4] = {
		{ 0.20, 0.35, 0.30, 0.15 }, /* child */
		{ 0.25, 0.35, 0.28, 0.12 }, /* young */
		{ 0.25, 0.35, 0.28, 0.12 }, /* adult */
		{ 0.15, 0.30, 0.35, 0.20 }, /* elder */
	};
	double u = rng_unit(&r);
	int sev = 0;
	while (sev < 3 && u >= sev_w[group][sev]) {
		u -= sev_w[group][sev];
		sev++;
	}
	static const double sev_lo[4] = { 0.3, 1.3, 2.3, 3.2 };
	static const double sev_hi[4] = { 1.3, 2.3, 3.2, 3.9 };
	double level = sev_lo[sev] + (sev_hi[sev] - sev_lo[sev]) * rng_unit(&r);

	c->b[B_MENTAL_DEFICIT] = rng_chance(&r, 0.25);
	bool mental = c->b[B_MENTAL_DEFICIT];
	/* a motor and a cognitive profile around the overall level */
	double motor = 0.5 * rng_gauss(&r);
	double cogn = (mental ? 0.6 : -0.8) + 0.4 * rng_gauss(&r);
	double behav = mental ? 0.0 : -1.2;
	rate_part(&r, c, IT_31, IT_32, level + motor, 0.7);
	rate_part(&r, c, IT_32, IT_33, level + cogn, 0.7);
	rate_part(&r, c, IT_33, IT_41, level + cogn, 0.7);
	rate_part(&r, c, IT_41, IT_5, level + behav + 0.5 * cogn, 0.8);
	/* part 5, medical manipulations, varies on its own */
	double med = group == AGE_ELDER ? 0.2 + 2.6 * rng_unit(&r)
				       : 2.0 * rng_unit(&r);
	static const double med_off[5] = { 0.3, -0.9, -1.1, -1.4, -0.2 };
	for (int i = 0; i < 5; i++)
		c->items[IT_5 + i] = to_rating(med + med_off[i] + 0.8 * rng_gauss(&r));
	rate_part(&r, c, IT_61, IT_62, level + cogn, 0.7);
	rate_part(&r, c, IT_62, IT_63, level + motor, 0.7);
	rate_part(&r, c, IT_63, IT_64, level + motor + 0.2, 0.7);
	rate_part(&r, c, IT_64, IT_72, level + 0.5 * (motor + cogn) - 0.2, 0.8);

	c->studying = draw_education(&r, c, age, sev);
	if (c->studying)
		rate_part(&r, c, IT_72, IT_END, level + 0.5 * cogn, 0.8);

	/* expert decision (ТНР) and "чужда помощ" */
	double p_null = group == AGE_CHILD ? 0.08
		      : group == AGE_ELDER ? 0.19 : 0.12;
	if (rng_chance(&r, p_null)) {
		c->tnr = -1;
	} else {
		static const double bucket_w[4][4] = {
			{ 0.30, 0.45, 0.20, 0.05 },
			{ 0.10, 0.40, 0.35, 0.15 },
			{ 0.03, 0.20, 0.37, 0.40 },
			{ 0.00, 0.05, 0.20, 0.75 },
		};
		static const int b_lo[4] = { 20, 50, 71, 90 };
		static const int b_hi[4] = { 49, 70, 89, 100 };
		double v = rng_unit(&r);
		int b = 0;
		while (b < 3 && v >= bucket_w[sev][b]) {
			v -= bucket_w[sev][b];
			b++;
		}
		int t = rng_range(&r, b_lo[b], b_hi[b]);
		if (rng_chance(&r, 0.4)) { /* commissions like round numbers */
			t = (t + 2) / 5 * 5;
			t = t < b_lo[b] ? b_lo[b] : t > b_hi[b] ? b_hi[b] : t;
		}
		c->tnr = t;
	}
	double p_help = c->tnr >= 90 ? (sev == SEV_COMPLETE ? 0.85
				      : sev == SEV_SEVERE ? 0.70 : 0.50)
		      : c->tnr >= 71 ? 0.06 : c->tnr >= 50 ? 0.02 : 0.0;
	c->b[B_FOREIGN_HELP] = rng_chance(&r, p_help);

	double p_alone = group == AGE_CHILD ? 0.0 : group == AGE_YOUNG ? 0.05
		       : group == AGE_ADULT ? 0.25 : 0.45;
	c->b[B_LIVES_ALONE] = rng_chance(&r, p_alone);

	/* income of the previous month, BGN */
	double p_zero = group == AGE_CHILD ? 0.45 : 0.125;
	if (!rng_chance(&r, p_zero)) {
		double x = rng_unit(&r);
		int lo_c, hi_c;
		if (group == AGE_CHILD) {
			lo_c = 15000; hi_c = 90000;
		} else if (group == AGE_ELDER) {
			lo_c = 42000; hi_c = 150000;
			x = x * x; /* most pensions are small */
		} else {
			lo_c = 15000; hi_c = 150000;
		}
		c->income_cents = lo_c + (int)((double)(hi_c - lo_c) * x);
	}

	/* the tie-break circumstances of a child's family */
	static const double fam_child[4] = { 0.20, 0.30, 0.20, 0.25 };
	for (int i = 0; i < 4; i++)
		c->b[B_OTHER_DISABLED + i] =
			rng_chance(&r, group == AGE_CHILD ? fam_child[i] : 0.02);

	if (rng_chance(&r, 0.05))
		c->note = group == AGE_CHILD ? PICK(&r, gn_notes_child)
					     : PICK(&r, gn_notes_adult);

	/* ---- what the rates decide, from stream d ---- */
	double u_inel = rng_unit(&d);
	double inel_kind = rng_unit(&d);
	double u_over = rng_unit(&d);
	unsigned over_pick1 = rng_below(&d, 12), over_pick2 = rng_below(&d, 12);
	double over_two = rng_unit(&d), over_zero = rng_unit(&d);
	int delta1 = rng_range(&d, 6, 40) * (rng_chance(&d, 0.5) ? 1 : -1);
	int delta2 = rng_range(&d, 6, 40) * (rng_chance(&d, 0.5) ? 1 : -1);
	const char *reason = PICK(&d, gn_override_reasons);
	double u_inv = rng_unit(&d);
	double inv_kind = rng_unit(&d);
	double inv_field = rng_unit(&d);
	unsigned inv_target = rng_below(&d, 1u << 16);
	unsigned inv_variant = rng_below(&d, 1u << 16);

	if (u_inel < o->ineligible_rate) {
		if (inel_kind < 0.35)
			c->b[B_IN_INSTITUTION] = true;
		else if (inel_kind < 0.95)
			c->b[B_OTHER_SERVICE] = true;
		else
			c->b[B_IN_INSTITUTION] = c->b[B_OTHER_SERVICE] = true;
	}

	if (u_over < o->override_rate) {
		int acts[4], na = 0;
		if (age <= 20)
			acts[na++] = 1;
		acts[na++] = 2;
		if (mental)
			acts[na++] = 3;
		acts[na++] = 4;
		int a1 = acts[over_pick1 % (unsigned)na];
		int a2 = acts[over_pick2 % (unsigned)na];
		c->n_over = 1;
		c->over_act[0] = a1;
		if (over_two < 0.15 && a2 != a1) {
			c->n_over = 2;
			c->over_act[a2 < a1 ? 0 : 1] = a2;
			c->over_act[a2 < a1 ? 1 : 0] = a1;
		}
		for (int i = 0; i < c->n_over; i++) {
			int h = suggested_hours(c, c->over_act[i]) +
				(i == 0 ? delta1 : delta2);
			if (i == 0 && over_zero < 0.1)
				h = 0; /* the person refuses this activity */
			c->over_hours[i] = h < 0 ? 0 : h > 168 ? 168 : h;
		}
		c->over_reason = reason;
	}

	if (u_inv < o->invalid_rate) {
		c->defect_variant = (int)inv_variant;
		if (inv_kind < 0.35) {
			c->defect = DEF_ITEM_MISSING;
		} else if (inv_field < 0.8) {
			c->defect = inv_kind < 0.65 ? DEF_ITEM_RANGE : DEF_ITEM_TYPE;
		} else if (inv_kind < 0.65) {
			c->defect = inv_variant % 2 ? DEF_TNR_RANGE : DEF_INCOME_RANGE;
		} else {
			static const int kinds[4] = { DEF_TNR_TYPE, DEF_BOOL_TYPE,
						      DEF_INCOME_TYPE, DEF_EDU_TYPE };
			c->defect = kinds[inv_variant % 4];
		}
		int asked = c->studying ? N_ITEMS : N_BASE_ITEMS;
		c->defect_target = c->defect == DEF_BOOL_TYPE
					   ? (int)(inv_target % N_BOOLS)
					   : (int)(inv_target % (unsigned)asked);
	}
}

/* ---- output buffer -------------------------------------------------- */

/* One case is built here, then handed to stdio in one fwrite. All strings
 * come from the tables, so a case is a few kB; the capacity is checked
 * anyway and an overflow is reported, never written past. */
#define CASE_BUF_CAP 16384

typedef struct gc_buf {
	char p[CASE_BUF_CAP];
	size_t len;
	bool overflow;
} gc_buf;

static void buf_mem(gc_buf *b, const char *s, size_t n)
{
	if (n > CASE_BUF_CAP - b->len) {
		b->overflow = true;
		return;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
}

#define BUF_LIT(b, s) buf_mem((b), (s), sizeof(s) - 1)

static void buf_str(gc_buf *b, const char *s)
{
	buf_mem(b, s, strlen(s));
}

static void buf_char(gc_buf *b, char ch)
{
	buf_mem(b, &ch, 1);
}

static void buf_uint(gc_buf *b, unsigned v)
{
	char tmp[12];
	size_t n = sizeof tmp;
	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_mem(b, tmp + n, sizeof tmp - n);
}

static void buf_int(gc_buf *b, int v)
{
	if (v < 0) {
		buf_char(b, '-');
		buf_uint(b, 0u - (unsigned)v);
	} else {
		buf_uint(b, (unsigned)v);
	}
}

/* Writes s with JSON escaping but without the quotes. The text is UTF-8
 * from our own tables: bytes >= 0x80 pass through, '"', '\\' and control
 * characters are escaped. */
static void buf_json_escape(gc_buf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	for (; *s; s++) {
		unsigned char ch = (unsigned char)*s;
		if (ch >= 0x20 && ch != '"' && ch != '\\')
			continue;
		buf_mem(b, run, (size_t)(s - run));
		run = s + 1;
		switch (ch) {
		case '"': BUF_LIT(b, "\\\""); break;
		case '\\': BUF_LIT(b, "\\\\"); break;
		case '\n': BUF_LIT(b, "\\n"); break;
		case '\r': BUF_LIT(b, "\\r"); break;
		case '\t': BUF_LIT(b, "\\t"); break;
		default: {
			char u[6] = { '\\', 'u', '0', '0', hex[ch >> 4], hex[ch & 15] };
			buf_mem(b, u, sizeof u);
		}
		}
	}
	buf_mem(b, run, (size_t)(s - run));
}

static void buf_json_str(gc_buf *b, const char *s)
{
	buf_char(b, '"');
	buf_json_escape(b, s);
	buf_char(b, '"');
}

/* "YYYY-MM-DD", with the quotes. */
static void buf_date(gc_buf *b, int days)
{
	int y, m, d;
	civil_from_days(days, &y, &m, &d);
	char s[12] = {
		'"', (char)('0' + y / 1000 % 10), (char)('0' + y / 100 % 10),
		(char)('0' + y / 10 % 10), (char)('0' + y % 10), '-',
		(char)('0' + m / 10), (char)('0' + m % 10), '-',
		(char)('0' + d / 10), (char)('0' + d % 10), '"',
	};
	buf_mem(b, s, sizeof s);
}

static void buf_money(gc_buf *b, int cents)
{
	if (cents < 0) {
		buf_char(b, '-');
		cents = -cents;
	}
	buf_uint(b, (unsigned)(cents / 100));
	buf_char(b, '.');
	buf_char(b, (char)('0' + cents / 10 % 10));
	buf_char(b, (char)('0' + cents % 10));
}

static void buf_bool(gc_buf *b, bool v)
{
	if (v)
		BUF_LIT(b, "true");
	else
		BUF_LIT(b, "false");
}

/* ---- one case as JSON ----------------------------------------------- */

static void emit_item(gc_buf *b, const gc_case *c, int i)
{
	int v = c->items[i];
	bool target = c->defect_target == i;
	if (target && c->defect == DEF_ITEM_MISSING)
		return;
	buf_str(b, item_keys[i]);
	if (target && c->defect == DEF_ITEM_RANGE) {
		static const int bad[6] = { 5, 6, 9, -1, -2, 10 };
		buf_int(b, bad[c->defect_variant % 6]);
	} else if (target && c->defect == DEF_ITEM_TYPE) {
		switch (c->defect_variant % 4) {
		case 0: /* a number typed as text */
			buf_char(b, '"');
			buf_int(b, v);
			buf_char(b, '"');
			break;
		case 1: buf_bool(b, true); break;
		case 2: /* not an integer */
			buf_int(b, v > 3 ? 3 : v);
			BUF_LIT(b, ".5");
			break;
		default:
			buf_char(b, '[');
			buf_int(b, v);
			buf_char(b, ']');
		}
	} else {
		buf_char(b, (char)('0' + v));
	}
	buf_char(b, ',');
}

static void emit_bool(gc_buf *b, const gc_case *c, int i)
{
	buf_str(b, bool_keys[i]);
	if (c->defect == DEF_BOOL_TYPE && c->defect_target == i) {
		static const char *const bad[4] = { "\"да\"", "\"не\"", "1", "\"true\"" };
		buf_str(b, bad[(c->defect_variant / 4) % 4]);
	} else {
		buf_bool(b, c->b[i]);
	}
	buf_char(b, ',');
}

static void emit_case(gc_buf *b, const gc_case *c)
{
	BUF_LIT(b, "{\"id\":\"");
	buf_str(b, c->id);
	BUF_LIT(b, "\",\"instrument\":\"bg-independent-living\",\"version\":1,"
		   "\"registered_on\":");
	buf_date(b, c->registered_on);
	BUF_LIT(b, ",\"assessed_on\":");
	buf_date(b, c->assessed_on);

	BUF_LIT(b, ",\"person\":{\"id\":\"");
	buf_str(b, c->person_id);
	BUF_LIT(b, "\",\"birth_date\":");
	buf_date(b, c->birth_date);
	BUF_LIT(b, ",\"name\":\"");
	buf_json_escape(b, c->first_name);
	buf_char(b, ' ');
	buf_json_escape(b, c->surname);
	BUF_LIT(b, "\",\"national_id\":\"");
	buf_str(b, c->national_id);
	BUF_LIT(b, "\",\"locality\":");
	buf_json_str(b, c->locality);
	BUF_LIT(b, ",\"address\":\"");
	buf_json_escape(b, c->street);
	if (c->house_no > 0) {
		BUF_LIT(b, " №");
		buf_uint(b, (unsigned)c->house_no);
		buf_json_escape(b, c->house_suffix);
	} else {
		BUF_LIT(b, ", бл. ");
		buf_uint(b, (unsigned)c->block);
		BUF_LIT(b, ", вх. ");
		buf_json_escape(b, c->entrance);
		BUF_LIT(b, ", ап. ");
		buf_uint(b, (unsigned)c->apartment);
	}
	BUF_LIT(b, "\"},\"answers\":{");

	int asked = c->studying ? N_ITEMS : N_BASE_ITEMS;
	for (int i = 0; i < asked; i++)
		emit_item(b, c, i);

	BUF_LIT(b, "\"tnr_pct\":");
	if (c->defect == DEF_TNR_RANGE) {
		buf_int(b, c->defect_variant % 3 == 0 ? -5 : 101 + c->defect_variant % 50);
	} else if (c->defect == DEF_TNR_TYPE) {
		buf_char(b, '"');
		buf_int(b, c->tnr < 0 ? 95 : c->tnr);
		BUF_LIT(b, "%\"");
	} else if (c->tnr < 0) {
		BUF_LIT(b, "null");
	} else {
		buf_uint(b, (unsigned)c->tnr);
	}
	buf_char(b, ',');
	emit_bool(b, c, B_FOREIGN_HELP);
	emit_bool(b, c, B_MENTAL_DEFICIT);
	emit_bool(b, c, B_LIVES_ALONE);

	BUF_LIT(b, "\"income_prev_month\":");
	int cents = c->income_cents ? c->income_cents : 42050;
	if (c->defect == DEF_INCOME_RANGE) {
		buf_money(b, -cents);
	} else if (c->defect == DEF_INCOME_TYPE) {
		/* a decimal comma, as typed in Bulgarian */
		buf_char(b, '"');
		buf_uint(b, (unsigned)(cents / 100));
		buf_char(b, ',');
		buf_char(b, (char)('0' + cents / 10 % 10));
		buf_char(b, (char)('0' + cents % 10));
		buf_char(b, '"');
	} else if (c->income_cents == 0) {
		buf_char(b, '0');
	} else {
		buf_money(b, c->income_cents);
	}
	buf_char(b, ',');
	for (int i = B_IN_INSTITUTION; i < N_BOOLS; i++)
		emit_bool(b, c, i);

	BUF_LIT(b, "\"7.1\":");
	if (c->defect == DEF_EDU_TYPE) {
		buf_json_str(b, edu_forms[c->studying ? c->edu[0] : EDU_SCHOOL]);
	} else {
		buf_char(b, '[');
		for (int i = 0; i < c->n_edu; i++) {
			if (i)
				buf_char(b, ',');
			buf_json_str(b, edu_forms[c->edu[i]]);
		}
		buf_char(b, ']');
	}

	for (int i = 0; i < c->n_over; i++) {
		BUF_LIT(b, ",\"9.a");
		buf_char(b, (char)('0' + c->over_act[i]));
		BUF_LIT(b, "\":");
		buf_uint(b, (unsigned)c->over_hours[i]);
	}
	if (c->n_over) {
		BUF_LIT(b, ",\"9.reason\":");
		buf_json_str(b, c->over_reason);
	}
	if (c->note) {
		BUF_LIT(b, ",\"3.note\":");
		buf_json_str(b, c->note);
	}
	BUF_LIT(b, "}}");
}

/* ---- command line --------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: gen-cases [options]\n"
	      "Writes a JSON array of synthetic bg-independent-living assessments\n"
	      "(exchange format of domain.md section 9), deterministic per seed.\n"
	      "\n"
	      "  --count N            cases to write (default 100)\n"
	      "  --seed S             PRNG seed, 0..2^64-1 (default 1)\n"
	      "  --invalid-rate F     share of cases with one defect: a missing\n"
	      "                       required item, a value out of range or a\n"
	      "                       wrong type (default 0)\n"
	      "  --ineligible-rate F  share with in_institution or other_service\n"
	      "                       true (default 0.02)\n"
	      "  --override-rate F    share with a 9.aN override and 9.reason\n"
	      "                       (default 0.05)\n"
	      "  --children-rate F    share of people under 18 (default 0.2)\n"
	      "  --compact            no whitespace at all (default: one case a line)\n"
	      "  -o, --output FILE    write to FILE instead of standard output\n"
	      "  -h, --help           this text\n"
	      "Options take their value as the next argument or after '='.\n",
	      f);
}

static int bad_option(const char *opt, const char *why)
{
	fprintf(stderr, "gen-cases: option '%s': %s (try --help)\n", opt, why);
	return 2;
}

static int parse_u64(const char *opt, const char *s, uint64_t max, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return bad_option(opt, "expects a non-negative integer");
	errno = 0;
	char *end;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE || *end != '\0' || v > max)
		return bad_option(opt, errno == ERANGE || v > max
				      ? "value too large" : "expects a non-negative integer");
	*out = (uint64_t)v;
	return 0;
}

static int parse_rate(const char *opt, const char *s, double *out)
{
	errno = 0;
	char *end;
	double v = strtod(s, &end);
	if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v) ||
	    v < 0.0 || v > 1.0)
		return bad_option(opt, "expects a number from 0 to 1");
	*out = v;
	return 0;
}

/* Fills o from argv. Returns 0 to go on, -1 when --help was printed,
 * 2 after reporting a bad option. */
static int parse_args(int argc, char **argv, gc_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *arg = argv[i];
		char name[64];
		const char *val = NULL;
		const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
		size_t nlen = eq ? (size_t)(eq - arg) : strlen(arg);
		if (nlen >= sizeof name)
			return bad_option(arg, "unknown option");
		memcpy(name, arg, nlen);
		name[nlen] = '\0';
		if (eq)
			val = eq + 1;

		if (!strcmp(name, "-h") || !strcmp(name, "--help")) {
			if (val)
				return bad_option(name, "takes no value");
			usage(stdout);
			return -1;
		}
		if (!strcmp(name, "--compact")) {
			if (val)
				return bad_option(name, "takes no value");
			o->compact = true;
			continue;
		}
		bool known = !strcmp(name, "--count") || !strcmp(name, "--seed") ||
			     !strcmp(name, "--invalid-rate") ||
			     !strcmp(name, "--ineligible-rate") ||
			     !strcmp(name, "--override-rate") ||
			     !strcmp(name, "--children-rate") ||
			     !strcmp(name, "-o") || !strcmp(name, "--output");
		if (!known)
			return bad_option(name, name[0] == '-' ? "unknown option"
						    : "unexpected argument");
		if (!val) {
			if (i + 1 >= argc)
				return bad_option(name, "needs a value");
			val = argv[++i];
		}
		int rc = 0;
		if (!strcmp(name, "--count"))
			rc = parse_u64(name, val, UINT64_C(1000000000000), &o->count);
		else if (!strcmp(name, "--seed"))
			rc = parse_u64(name, val, UINT64_MAX, &o->seed);
		else if (!strcmp(name, "--invalid-rate"))
			rc = parse_rate(name, val, &o->invalid_rate);
		else if (!strcmp(name, "--ineligible-rate"))
			rc = parse_rate(name, val, &o->ineligible_rate);
		else if (!strcmp(name, "--override-rate"))
			rc = parse_rate(name, val, &o->override_rate);
		else if (!strcmp(name, "--children-rate"))
			rc = parse_rate(name, val, &o->children_rate);
		else if (*val == '\0')
			rc = bad_option(name, "needs a file name");
		else
			o->out_path = val;
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- main ----------------------------------------------------------- */

static char io_buf[1 << 20];
static gc_buf case_buf;

int main(int argc, char **argv)
{
	gc_opts o = {
		.count = 100, .seed = 1, .invalid_rate = 0.0,
		.ineligible_rate = 0.02, .override_rate = 0.05,
		.children_rate = 0.2, .compact = false, .out_path = NULL,
	};
	int rc = parse_args(argc, argv, &o);
	if (rc)
		return rc < 0 ? 0 : rc;

	FILE *out = stdout;
	const char *out_name = "standard output";
	if (o.out_path) {
		out = fopen(o.out_path, "wb");
		if (!out) {
			fprintf(stderr, "gen-cases: cannot open '%s': %s\n",
				o.out_path, strerror(errno));
			return 1;
		}
		out_name = o.out_path;
	}
	if (setvbuf(out, io_buf, _IOFBF, sizeof io_buf) != 0) {
		fprintf(stderr, "gen-cases: setvbuf failed\n");
		return 1;
	}

	const char *sep = o.compact ? "," : ",\n";
	fputs(o.compact ? "[" : "[\n", out);
	gc_case c;
	for (uint64_t i = 0; i < o.count; i++) {
		generate_case(&o, i, &c);
		case_buf.len = 0;
		if (i)
			buf_str(&case_buf, sep);
		emit_case(&case_buf, &c);
		if (case_buf.overflow) {
			fprintf(stderr, "gen-cases: case %llu too large for the buffer\n",
				(unsigned long long)i);
			return 1;
		}
		if (fwrite(case_buf.p, 1, case_buf.len, out) != case_buf.len)
			break;
	}
	fputs(o.compact ? "]" : o.count ? "\n]\n" : "]\n", out);
	int bad = ferror(out);
	if (out == stdout ? fflush(out) != 0 : fclose(out) != 0)
		bad = 1;
	if (bad) {
		fprintf(stderr, "gen-cases: write error on %s: %s\n", out_name,
			strerror(errno));
		return 1;
	}
	return 0;
}
