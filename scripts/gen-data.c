/*
 * gen-data: realistic synthetic data for a whole area — households,
 * people, assessments, services and free-text notes — for benchmarks,
 * demos and tests, at any scale up to a county (48,000 households,
 * ~121,000 people, ~550,000 services: the Romanian census of domain.md §1).
 *
 *   gen-data --country ro|bg [--households N | --scale county|municipality]
 *            [--seed S] [--out DIR] [--services-per-active N]
 *
 * Writes four files into DIR and prints their statistics on standard
 * output, one "key value" line each (the tests read them):
 *
 *   assessments.json  the exchange format (domain.md §9): a JSON array, one
 *                     assessment per line, for `sync-server rank` and
 *                     `field-agent import`. ro: ro-household-screening of
 *                     every child and every adult woman (the census);
 *                     bg: bg-independent-living of the applicants (people
 *                     over 65, people with a disability, a few children).
 *   households.jsonl  one record a line in the sync protocol's shape
 *   persons.jsonl     (proto/README.md "Records"): {"kind", "id", "body"};
 *   services.jsonl    services of the active cases (ro) or of the
 *                     applicants (bg) over the first half of 2026.
 *
 * Households are 1-9 people (mean about 2.5; about 40 % of the people are
 * children in ro, as in the census; fewer in bg), a family shares its
 * surname (Bulgarian women take the -а form), national ids are valid
 * CNP (ro) and ЕГН (bg) with their check digits. Dependency ranges from
 * mild to complete: each applicant draws a level and every rated item
 * follows it with noise; ro vulnerabilities cluster by household.
 *
 * Deterministic: household h draws only from a PRNG stream seeded by
 * (seed, h), so the same options give the same bytes, and a smaller
 * --households gives a prefix of a larger run. Memory is constant.
 * Standalone: libc and libm only.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gen-names.h"
#include "gen-common.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define PICK(r, a) ((a)[rng_below((r), (unsigned)NELEM(a))])

/* ---- PRNG: gen-common.h; weighted draws ---------------------------------- */

/* Index drawn from weights w[0..n). */
static size_t rng_weighted(gen_rng *r, const double *w, size_t n)
{
	double total = 0, x;
	for (size_t i = 0; i < n; i++)
		total += w[i];
	x = rng_unit(r) * total;
	for (size_t i = 0; i < n; i++) {
		if (x < w[i])
			return i;
		x -= w[i];
	}
	return n - 1;
}

/* The generator's clock for ids: each household starts ten minutes after
 * the one before, each id in it a millisecond after the last. */
static uint64_t id_ms;

static void make_uuid(gen_rng *r, char out[37])
{
	gen_uuid(r, id_ms++, out);
}

/* ---- calendar: gen-common.h ---------------------------------------- */

/* Whole years from birth to day on. */
static int age_on(int birth, int on)
{
	int by, bm, bd, oy, om, od;
	civil_from_days(birth, &by, &bm, &bd);
	civil_from_days(on, &oy, &om, &od);
	int n = oy - by;
	if (om < bm || (om == bm && od < bd))
		n--;
	return n;
}

/* A working day (Monday-Friday) in [lo, hi]. */
static int working_day(gen_rng *r, int lo, int hi)
{
	int d = rng_range(r, lo, hi);
	int wd = (d + 4) % 7; /* 0 = Sunday */
	if (wd == 0)
		d += 1;
	else if (wd == 6)
		d += 2;
	return d > hi ? d - 7 : d;
}

/* ---- Romanian tables (made up or common; no real person) ---------------- */

static const char *const ro_male[] = {
	"Ion", "Gheorghe", "Vasile", "Constantin", "Nicolae", "Mihai", "Dumitru",
	"Ștefan", "Petru", "Alexandru", "Andrei", "Florin", "Marian", "Cristian",
	"Daniel", "Adrian", "Ionuț", "Gabriel", "Bogdan", "Răzvan", "Costel",
	"Darius", "David", "Luca", "Matei", "Tudor", "Sebastian", "Denis",
};
static const char *const ro_female[] = {
	"Maria", "Elena", "Ioana", "Ana", "Gheorghița", "Vasilica", "Mihaela",
	"Florentina", "Daniela", "Cristina", "Andreea", "Alexandra", "Ionela",
	"Roxana", "Bianca", "Denisa", "Sofia", "Ana-Maria", "Eva", "Daria",
	"Alesia", "Maia", "Rebeca", "Larisa", "Petronela", "Aurelia",
};
static const char *const ro_surnames[] = {
	"Popa", "Popescu", "Ionescu", "Rusu", "Munteanu", "Ciobanu", "Lupu",
	"Ungureanu", "Moldovan", "Constantin", "Stan", "Dumitru", "Gheorghe",
	"Matei", "Ciubotaru", "Olaru", "Cojocaru", "Apostu", "Bălan", "Sandu",
	"Mocanu", "Neculai", "Chiriac", "Vrînceanu", "Enache", "Tănase",
	"Roman", "Avram", "Andrieș", "Bejan", "Lungu", "Iftime", "Dascălu",
};
/* The 45 localities (communes and towns) of a county, with a weight. */
static const struct {
	const char *name;
	unsigned weight;
} ro_localities[] = {
	{"Buhuși", 60}, {"Berești-Bistrița", 25}, {"Blăgești", 30}, {"Buhoci", 20},
	{"Coțofănești", 12}, {"Dămienești", 10}, {"Dealu Morii", 12}, {"Dofteana", 30},
	{"Faraoani", 15}, {"Filipeni", 15}, {"Găiceana", 12}, {"Gârleni", 22},
	{"Helegiu", 20}, {"Hemeiuș", 25}, {"Izvorul Berheciului", 8}, {"Letea Veche", 30},
	{"Lipova", 12}, {"Livezi", 18}, {"Măgura", 22}, {"Motoșeni", 12},
	{"Nicolae Bălcescu", 30}, {"Oncești", 10}, {"Orbeni", 18}, {"Pâncești", 12},
	{"Parincea", 15}, {"Podu Turcului", 18}, {"Răcăciuni", 25}, {"Sascut", 25},
	{"Săucești", 32}, {"Secuieni", 15}, {"Stănișești", 14}, {"Ștefan cel Mare", 18},
	{"Tătărăști", 12}, {"Traian", 18}, {"Ungureni", 10}, {"Valea Seacă", 18},
	{"Vultureni", 10}, {"Colonești", 6}, {"Corbasca", 12}, {"Glăvănești", 10},
	{"Negri", 12}, {"Pârgărești", 15}, {"Plopana", 12}, {"Itești", 12},
	{"Ardeoani", 10},
};
static const char *const ro_villages[] = {
	"Valea Mare", "Dealu Nou", "Fântânele", "Poiana", "Izvoare", "Slobozia",
	"Runcu", "Cornești", "Bărboasa", "Satu Nou", "Frumoasa", "Gura Văii",
	"Buda", "Prăjești", "Tisa", "Cărpineni",
};
static const char *const ro_notes[] = {
	"Familia locuiește într-o singură cameră, încălzită cu lemne.",
	"Mama lucrează sezonier în străinătate; copiii stau cu bunica.",
	"Copilul nu are certificat de naștere; trimis la starea civilă.",
	"Nu sunt înscriși la medicul de familie; s-a făcut programare.",
	"Apa doar din fântâna din curte; fără canalizare.",
	"Tatăl lipsește de acasă de mai mulți ani.",
	"Familia primește venit minim garantat și alocație.",
	"S-a discutat despre înscrierea la grădiniță în toamnă.",
	"Copilul lipsește des de la școală iarna (drum lung, fără transport).",
	"Gravidă, fără control prenatal până acum; însoțită la dispensar.",
	"Locuință improvizată, acoperiș deteriorat.",
	"Bunicul are nevoie de ajutor la îmbrăcat și la baie.",
};
static const char *const service_types_ro[] = {
	"identification", "assessment", "information", "counselling", "accompaniment",
	"assistance", "referral", "monitoring", "kinetotherapy", "speech_therapy",
	"psychological_counselling", "support_group", "parental_education",
	"medical_consultation", "mobile_caravan", "telemedicine",
};
/* the minimum package is most of the work: weights of the types above */
static const double service_weights_ro[] = {
	3, 6, 14, 14, 8, 10, 6, 18, 2, 2, 3, 2, 4, 5, 2, 1,
};
static const char *const service_notes_ro[] = {
	"Vizită la domiciliu, situație stabilă.",
	"Însoțit la medicul de familie pentru vaccinare.",
	"Dosar pentru alocație depus la primărie.",
	"Consiliere privind igiena și alimentația copilului.",
	"Trimitere către serviciul de protecție a copilului.",
};
static const char *const service_types_bg[] = {
	"personal_assistant", "social_assistant", "home_helper", "medical_at_home",
	"monitoring", "counselling",
};
static const double service_weights_bg[] = {40, 15, 25, 10, 6, 4};

/* ---- output ----------------------------------------------------------- */

typedef struct sink {
	FILE *f;
	const char *path;
	unsigned long long n, bytes;
} sink;

static void put(sink *s, const char *t)
{
	size_t n = strlen(t);
	fwrite(t, 1, n, s->f);
	s->bytes += n;
}

static void putf(sink *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(sink *s, const char *fmt, ...)
{
	char tmp[512];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n > 0)
		put(s, tmp);
}

/* A JSON string; the tables hold no control characters, but escape anyway. */
static void put_str(sink *s, const char *t)
{
	char tmp[8];
	fputc('"', s->f);
	s->bytes++;
	for (; *t; t++) {
		unsigned char c = (unsigned char)*t;
		if (c == '"' || c == '\\') {
			tmp[0] = '\\';
			tmp[1] = (char)c;
			tmp[2] = '\0';
			put(s, tmp);
		} else if (c < 0x20) {
			snprintf(tmp, sizeof tmp, "\\u%04x", c);
			put(s, tmp);
		} else {
			fputc(c, s->f);
			s->bytes++;
		}
	}
	fputc('"', s->f);
	s->bytes++;
}

static void put_date(sink *s, int day)
{
	int y, m, d;
	civil_from_days(day, &y, &m, &d);
	putf(s, "\"%04d-%02d-%02d\"", y, m, d);
}

/* ---- national ids ------------------------------------------------------- */

/* ЕГН: YYMMDD (month + 40 from 2000), three digits (the last even for a
 * man, odd for a woman), check digit (weights 2 4 8 5 10 9 7 3 6, mod 11,
 * 10 -> 0). serial makes it unique within one run. */
static void make_egn(int birth, bool female, unsigned serial, char out[11])
{
	int y, m, d;
	civil_from_days(birth, &y, &m, &d);
	unsigned region = (serial % 500u) * 2u + (female ? 1u : 0u);
	int mm = y >= 2000 ? m + 40 : m;
	int g[10] = {(y / 10) % 10, y % 10, mm / 10, mm % 10, d / 10, d % 10,
		     (int)(region / 100), (int)(region / 10 % 10), (int)(region % 10), 0};
	static const int w[9] = {2, 4, 8, 5, 10, 9, 7, 3, 6};
	int sum = 0;
	for (int i = 0; i < 9; i++)
		sum += g[i] * w[i];
	g[9] = sum % 11 % 10;
	for (int i = 0; i < 10; i++)
		out[i] = (char)('0' + g[i]);
	out[10] = '\0';
}

/* CNP: S YY MM DD JJ NNN C — S 1/2 (born 1900-1999, man/woman) or 5/6
 * (2000-2099), JJ the county (04), NNN a serial, C the check digit
 * (weights 279146358279, mod 11, 10 -> 1). */
static void make_cnp(int birth, bool female, unsigned serial, char out[14])
{
	int y, m, d;
	civil_from_days(birth, &y, &m, &d);
	int s = (y >= 2000 ? 5 : 1) + (female ? 1 : 0);
	unsigned nnn = serial % 999u + 1u;
	int g[13] = {s, (y / 10) % 10, y % 10, m / 10, m % 10, d / 10, d % 10, 0, 4,
		     (int)(nnn / 100), (int)(nnn / 10 % 10), (int)(nnn % 10), 0};
	static const int w[12] = {2, 7, 9, 1, 4, 6, 3, 5, 8, 2, 7, 9};
	int sum = 0;
	for (int i = 0; i < 12; i++)
		sum += g[i] * w[i];
	g[12] = sum % 11 == 10 ? 1 : sum % 11;
	for (int i = 0; i < 13; i++)
		out[i] = (char)('0' + g[i]);
	out[13] = '\0';
}

/* ---- the model ----------------------------------------------------------- */

typedef struct opts {
	int country; /* 'r' or 'b' */
	unsigned long households;
	uint64_t seed;
	const char *dir;
	int services_lo, services_hi; /* per active case (ro) or applicant (bg) */
} opts;

typedef struct person {
	char id[37];
	bool female, child;
	int birth;
	const char *first;
	char surname[64];
	char nid[16];
	int age;
} person;

typedef struct stats {
	unsigned long long households, persons, children, adults_65, assessments, cases,
		active, services, notes;
	unsigned long long size_hist[10];
	unsigned long long level[4]; /* bg: mild .. complete; ro: household levels */
} stats;

#define MAX_MEMBERS 9
#define DAY_FROM (days_from_civil(2026, 1, 5))
#define DAY_TO (days_from_civil(2026, 6, 30))

/* Household size 1-9: mean about 2.5. */
static const double size_weights[MAX_MEMBERS] = {29, 29, 18, 13.5, 6.3, 2.5, 0.9, 0.3, 0.1};

/* Fills the members of a household of n people: adults first (the head,
 * a partner, sometimes a grandparent), then children. */
static int compose(gen_rng *r, const opts *o, int n, int census, person *m, bool *lives_alone)
{
	int adults, kids;
	double u = rng_unit(r);
	if (n == 1) {
		adults = 1;
	} else if (n == 2) {
		adults = u < (o->country == 'r' ? 0.45 : 0.25) ? 1 : 2;
	} else {
		/* two parents and children; a single parent; or three generations */
		adults = u < 0.18 ? 1 : u < 0.93 ? 2 : 3;
		if (o->country == 'b' && u >= 0.5)
			adults = 3; /* fewer children in Bulgaria */
		if (adults >= n)
			adults = n - 1;
	}
	kids = n - adults;
	*lives_alone = n == 1;
	/* the head: an elderly person living alone is common */
	int head_age;
	if (n == 1)
		head_age = rng_chance(r, 0.55) ? rng_range(r, 62, 92) : rng_range(r, 22, 61);
	else if (kids > 0)
		head_age = rng_range(r, 20 + (kids > 2 ? 4 : 0), 50);
	else
		head_age = rng_range(r, 25, 85);
	for (int i = 0; i < n; i++) {
		person *p = &m[i];
		make_uuid(r, p->id);
		int age;
		if (i == 0) {
			age = head_age;
			p->female = n == 1 ? rng_chance(r, 0.6) : adults == 1 && kids ? rng_chance(r, 0.85)
											  : rng_chance(r, 0.5);
		} else if (i == 1 && adults >= 2) {
			age = head_age + rng_range(r, -5, 5);
			if (age < 18)
				age = 18;
			p->female = !m[0].female;
		} else if (i < adults) {
			age = head_age + rng_range(r, 20, 30); /* a grandparent */
			if (age > 99)
				age = 99;
			p->female = rng_chance(r, 0.65);
		} else {
			int hi = head_age - 18 < 17 ? head_age - 18 : 17;
			age = rng_range(r, 0, hi < 0 ? 0 : hi);
			p->female = rng_chance(r, 0.49);
		}
		p->birth = census - age * 365 - rng_range(r, 0, 364);
		p->age = age_on(p->birth, census);
		p->child = p->age < 18;
		p->first = NULL;
	}
	return adults;
}

static const char *first_name(gen_rng *r, const opts *o, const person *p, bool turkish)
{
	if (o->country == 'r')
		return p->female ? PICK(r, ro_female) : PICK(r, ro_male);
	if (turkish)
		return p->female ? PICK(r, gn_female_tr) : PICK(r, gn_male_tr);
	int y, m, d;
	civil_from_days(p->birth, &y, &m, &d);
	if (y < 1960)
		return p->female ? PICK(r, gn_female_old) : PICK(r, gn_male_old);
	if (y < 1990)
		return p->female ? PICK(r, gn_female_mid) : PICK(r, gn_male_mid);
	return p->female ? PICK(r, gn_female_modern) : PICK(r, gn_male_modern);
}

static void put_person_json(sink *s, const person *p, const char *locality, const char *address,
			    bool with_sex)
{
	char name[160];
	snprintf(name, sizeof name, "%s %s", p->first, p->surname);
	put(s, "{\"id\":");
	put_str(s, p->id);
	put(s, ",\"birth_date\":");
	put_date(s, p->birth);
	put(s, ",\"name\":");
	put_str(s, name);
	put(s, ",\"national_id\":");
	put_str(s, p->nid);
	if (with_sex)
		put(s, p->female ? ",\"sex\":\"female\"" : ",\"sex\":\"male\"");
	put(s, ",\"locality\":");
	put_str(s, locality);
	put(s, ",\"address\":");
	put_str(s, address);
	put(s, "}");
}

static void begin_element(sink *s)
{
	put(s, s->n++ ? ",\n" : "\n");
}

/* ---- ro: the census screening ------------------------------------------ */

typedef struct ro_household {
	int level;           /* 0 none .. 3 many vulnerabilities */
	bool poverty, unemployed, benefits, overcrowded, no_utilities, no_doctor,
		parents_away, violence;
} ro_household;

/* Writes a screening of p; returns the number of vulnerabilities. */
static int ro_screening(gen_rng *r, sink *a, const person *p, int adults, int n,
			const ro_household *h, int day, const char *loc, const char *addr,
			stats *st)
{
	double lv = h->level * 0.12;
	bool child = p->child;
	int age = age_on(p->birth, day);
	int count = 0;
	char id[37];
	make_uuid(r, id);
	begin_element(a);
	put(a, "{\"id\":");
	put_str(a, id);
	put(a, ",\"instrument\":\"ro-household-screening\",\"version\":1,\"assessed_on\":");
	put_date(a, day);
	put(a, ",\"person\":");
	put_person_json(a, p, loc, addr, true);
	put(a, ",\"answers\":{");
	putf(a, "\"role\":\"%s\",\"sex\":\"%s\"", child ? "child" : "woman",
	     p->female ? "female" : "male");
#define YN(key, cond)                                                      \
	do {                                                               \
		bool v_ = (cond);                                          \
		count += v_;                                               \
		putf(a, ",\"%s\":%s", key, v_ ? "true" : "false");        \
	} while (0)
	YN("econ.poverty", h->poverty);
	YN("econ.parents_unemployed", h->unemployed);
	YN("econ.social_benefits", h->benefits);
	if (child) {
		YN("social.minor_mother", false);
		YN("social.single_parent", adults == 1 && rng_chance(r, 0.15 + lv * 2));
		YN("social.parents_away", h->parents_away);
		YN("social.no_parents", rng_chance(r, 0.004 + lv * 0.05));
	} else {
		YN("social.single_parent", adults == 1 && n > 1 && rng_chance(r, 0.15 + lv * 2));
	}
	YN("health.no_family_doctor", h->no_doctor);
	if (child)
		YN("health.vaccinations", rng_chance(r, 0.01 + lv * 0.6));
	YN("health.chronic_disability", rng_chance(r, child ? 0.01 : 0.015 + (age > 60) * 0.08));
	if (p->female && age >= 12)
		YN("health.pregnant_no_care",
		   age >= 16 && age <= 40 && rng_chance(r, 0.01 + lv * 0.05));
	if (child && age >= 3) {
		bool not_enrolled = rng_chance(r, 0.005 + lv * 0.25);
		YN("edu.not_enrolled", not_enrolled);
		if (!not_enrolled) {
			YN("edu.absence", rng_chance(r, 0.01 + lv * 0.4));
			YN("edu.dropout_risk", age >= 10 && rng_chance(r, 0.005 + lv * 0.3));
		}
	}
	YN("housing.no_documents", rng_chance(r, 0.005 + lv * 0.06));
	YN("housing.overcrowded", h->overcrowded);
	YN("housing.no_utilities", h->no_utilities);
	YN("risk.substance_use", !child && rng_chance(r, 0.01 + lv * 0.05));
	YN("risk.violence", h->violence);
	if (child)
		YN("risk.child_labour", age >= 10 && rng_chance(r, lv * 0.1));
	YN("risk.law_conflict", age >= 14 && rng_chance(r, 0.003 + lv * 0.02));
#undef YN
	if (count && rng_chance(r, 0.35)) {
		put(a, ",\"person.note\":");
		put_str(a, PICK(r, ro_notes));
		st->notes++;
	}
	put(a, "}}");
	st->assessments++;
	return count;
}

/* ---- bg: the needs assessment ------------------------------------------ */

static const char *const bg_items[] = {
	"3.1.1", "3.1.2", "3.1.3", "3.1.4", "3.1.5", "3.2.1", "3.2.2", "3.2.3", "3.2.4",
	"3.3.1", "3.3.2", "3.3.3", "3.3.4", "3.3.5", "4.1.1", "4.1.2", "4.1.3", "4.1.4",
	"5.1", "5.2", "5.3", "5.4", "5.5", "6.1.1", "6.1.2", "6.1.3", "6.2.1", "6.2.2",
	"6.2.3", "6.2.4", "6.2.5", "6.3.1", "6.3.2", "6.3.3", "6.3.4", "6.3.5", "6.4.1",
	"6.4.2", "6.4.3",
};
/* what each part leans to, added to the level: motor and household
 * activities weigh most with age, behaviour least */
static double bg_part_offset(const char *item, bool elderly, bool mental)
{
	switch (item[0]) {
	case '3': return item[2] == '1' ? (elderly ? 0.4 : 0.1) : (mental ? 0.5 : -0.3);
	case '4': return mental ? 0.0 : -1.2;
	case '5': return -0.6;
	case '6': return item[2] == '3' ? 0.4 : item[2] == '4' ? -0.2 : 0.0;
	}
	return 0;
}

static const char *const bg_levels[4] = {"mild", "moderate", "severe", "complete"};

static void bg_assessment(gen_rng *r, sink *a, const person *p, bool lives_alone, int household_kids,
			  int adults, const char *loc, const char *addr, stats *st)
{
	static const double level_w[4] = {30, 35, 25, 10};
	static const double level_mean[4] = {0.8, 1.7, 2.6, 3.6};
	int lv = (int)rng_weighted(r, level_w, 4);
	bool elderly = p->age >= 65, mental = rng_chance(r, p->child ? 0.35 : elderly ? 0.25 : 0.2);
	int day = working_day(r, DAY_FROM, DAY_TO);
	int reg = day - rng_range(r, 3, 60);
	char id[37];
	make_uuid(r, id);
	st->level[lv]++;
	begin_element(a);
	put(a, "{\"id\":");
	put_str(a, id);
	put(a, ",\"instrument\":\"bg-independent-living\",\"version\":1,\"registered_on\":");
	put_date(a, reg);
	put(a, ",\"assessed_on\":");
	put_date(a, day);
	put(a, ",\"person\":");
	put_person_json(a, p, loc, addr, false);
	put(a, ",\"answers\":{");
	for (size_t i = 0; i < NELEM(bg_items); i++) {
		double x = level_mean[lv] + bg_part_offset(bg_items[i], elderly, mental) +
			   0.7 * rng_gauss(r);
		int v = (int)floor(x + 0.5);
		putf(a, "%s\"%s\":%d", i ? "," : "", bg_items[i], v < 0 ? 0 : v > 4 ? 4 : v);
	}
	/* education: most children study, a few adults too */
	bool studies = p->child ? p->age >= 3 && rng_chance(r, 0.85) : rng_chance(r, 0.02);
	if (studies) {
		const char *form = p->age < 7 ? "kindergarten" : p->age < 18 ?
			(rng_chance(r, 0.3) ? "special_school" : "school") : "vocational";
		putf(a, ",\"7.1\":[\"%s\"]", form);
		for (int k = 1; k <= 3; k++) {
			int v = (int)floor(level_mean[lv] - 0.3 + 0.8 * rng_gauss(r) + 0.5);
			putf(a, ",\"7.2.%d\":%d", k, v < 0 ? 0 : v > 4 ? 4 : v);
		}
	} else {
		put(a, ",\"7.1\":[]");
	}
	/* ТНР: mostly from an expert decision, higher with dependency */
	if (rng_chance(r, 0.08))
		put(a, ",\"tnr_pct\":null");
	else {
		int t = 50 + lv * 14 + rng_range(r, -10, 12);
		putf(a, ",\"tnr_pct\":%d", t < 0 ? 0 : t > 100 ? 100 : t);
	}
	putf(a, ",\"foreign_help\":%s", lv >= 2 && rng_chance(r, 0.7) ? "true" : "false");
	putf(a, ",\"mental_deficit\":%s", mental ? "true" : "false");
	putf(a, ",\"lives_alone\":%s", lives_alone ? "true" : "false");
	int cents = elderly ? rng_range(r, 30000, 90000) : rng_chance(r, 0.2) ? 0 : rng_range(r, 10000, 150000);
	putf(a, ",\"income_prev_month\":%d.%02d", cents / 100, cents % 100);
	putf(a, ",\"in_institution\":%s", rng_chance(r, 0.01) ? "true" : "false");
	putf(a, ",\"other_service\":%s", rng_chance(r, 0.02) ? "true" : "false");
	putf(a, ",\"other_disabled_in_family\":%s", rng_chance(r, 0.1) ? "true" : "false");
	putf(a, ",\"single_parent\":%s", p->child && adults == 1 ? "true" : "false");
	putf(a, ",\"large_family\":%s", household_kids >= 3 ? "true" : "false");
	putf(a, ",\"no_family_support\":%s", lives_alone && rng_chance(r, 0.5) ? "true" : "false");
	if (rng_chance(r, 0.05)) {
		putf(a, ",\"9.a2\":%d,\"9.reason\":", rng_range(r, 10, 168));
		put_str(a, PICK(r, gn_override_reasons));
	}
	if (rng_chance(r, 0.4)) {
		put(a, ",\"6.note\":");
		put_str(a, p->child ? PICK(r, gn_notes_child) : PICK(r, gn_notes_adult));
		st->notes++;
	}
	put(a, "}}");
	st->assessments++;
}

/* ---- records --------------------------------------------------------------- */

static void put_services(gen_rng *r, const opts *o, sink *sv, const person *p, const char *loc,
			 stats *st)
{
	int k = rng_range(r, o->services_lo, o->services_hi);
	bool ro = o->country == 'r';
	for (int i = 0; i < k; i++) {
		char id[37];
		make_uuid(r, id);
		size_t t = ro ? rng_weighted(r, service_weights_ro, NELEM(service_weights_ro))
			      : rng_weighted(r, service_weights_bg, NELEM(service_weights_bg));
		put(sv, "{\"kind\":\"service\",\"id\":");
		put_str(sv, id);
		put(sv, ",\"rev\":1,\"body\":{\"person_id\":");
		put_str(sv, p->id);
		putf(sv, ",\"type\":\"%s\",\"date\":", ro ? service_types_ro[t] : service_types_bg[t]);
		put_date(sv, working_day(r, DAY_FROM, DAY_TO));
		putf(sv, ",\"minutes\":%d,\"place\":\"%s\",\"locality\":", rng_range(r, 2, 24) * 5,
		     rng_chance(r, 0.7) ? "home" : rng_chance(r, 0.7) ? "community_centre" : "mobile");
		put_str(sv, loc);
		if (rng_chance(r, 0.15)) {
			put(sv, ",\"note\":");
			put_str(sv, ro ? PICK(r, service_notes_ro) : PICK(r, gn_notes_adult));
			st->notes++;
		}
		put(sv, "}}\n");
		sv->n++;
		st->services++;
	}
}

static void gen_household(const opts *o, unsigned long h, sink *hs, sink *ps, sink *as,
			  sink *sv, stats *st)
{
	gen_rng r = {mix64(o->seed ^ mix64((uint64_t)h + 0x632BE59BD9B4E019ULL))};
	id_ms = GEN_ID_EPOCH_MS + (uint64_t)h * 600000u;
	person m[MAX_MEMBERS];
	char hid[37], addr[256], loc_buf[128];
	const char *loc;
	bool ro = o->country == 'r', turkish = false, lives_alone;
	make_uuid(&r, hid);
	if (ro) {
		double w[NELEM(ro_localities)];
		for (size_t i = 0; i < NELEM(ro_localities); i++)
			w[i] = ro_localities[i].weight;
		size_t li = rng_weighted(&r, w, NELEM(w));
		loc = ro_localities[li].name;
		if (li == 0)
			snprintf(addr, sizeof addr, "str. %s nr. %d", PICK(&r, ro_villages), rng_range(&r, 1, 140));
		else
			snprintf(addr, sizeof addr, "sat %s nr. %d",
				 rng_chance(&r, 0.4) ? loc : PICK(&r, ro_villages), rng_range(&r, 1, 400));
	} else {
		double w[NELEM(gn_localities)];
		for (size_t i = 0; i < NELEM(gn_localities); i++)
			w[i] = gn_localities[i].weight;
		size_t li = rng_weighted(&r, w, NELEM(w));
		loc = gn_localities[li].name;
		if (li == 0 && rng_chance(&r, 0.5))
			snprintf(addr, sizeof addr, "%s, бл. %d, вх. %s, ап. %d", PICK(&r, gn_estates_city),
				 rng_range(&r, 1, 120), PICK(&r, gn_entrances), rng_range(&r, 1, 60));
		else
			snprintf(addr, sizeof addr, "%s №%d",
				 li == 0 ? PICK(&r, gn_streets_city) : PICK(&r, gn_streets_village),
				 rng_range(&r, 1, 150));
		turkish = li != 0 && rng_chance(&r, 0.12);
	}
	snprintf(loc_buf, sizeof loc_buf, "%s", loc);
	int n = 1 + (int)rng_weighted(&r, size_weights, MAX_MEMBERS);
	int census = working_day(&r, DAY_FROM, DAY_TO);
	int adults = compose(&r, o, n, census, m, &lives_alone);
	int kids = n - adults;
	/* names: one family surname */
	const char *sur_m, *sur_f;
	if (ro) {
		sur_m = sur_f = PICK(&r, ro_surnames);
	} else if (turkish) {
		const struct gn_surname *s = &PICK(&r, gn_surnames_tr);
		sur_m = s->male;
		sur_f = s->female;
	} else {
		const struct gn_surname *s = &PICK(&r, gn_surnames_bg);
		sur_m = s->male;
		sur_f = s->female;
	}
	for (int i = 0; i < n; i++) {
		person *p = &m[i];
		p->first = first_name(&r, o, p, turkish);
		snprintf(p->surname, sizeof p->surname, "%s", p->female ? sur_f : sur_m);
		/* the serial: unique per run for a given birth day and sex
		 * (as long as one day has fewer than 500 of them) */
		unsigned serial = (unsigned)((h * MAX_MEMBERS + (unsigned long)i) % 997u);
		if (ro)
			make_cnp(p->birth, p->female, serial, p->nid);
		else
			make_egn(p->birth, p->female, serial, p->nid);
	}
	/* the household record */
	put(hs, "{\"kind\":\"household\",\"id\":");
	put_str(hs, hid);
	put(hs, ",\"rev\":1,\"body\":{\"locality\":");
	put_str(hs, loc_buf);
	put(hs, ",\"address\":");
	put_str(hs, addr);
	put(hs, ",\"head\":");
	put_str(hs, m[0].id);
	putf(hs, ",\"size\":%d", n);
	if (rng_chance(&r, 0.2)) {
		put(hs, ",\"note\":");
		put_str(hs, ro ? PICK(&r, ro_notes) : PICK(&r, gn_notes_adult));
		st->notes++;
	}
	put(hs, "}}\n");
	hs->n++;
	st->households++;
	st->size_hist[n]++;
	/* people */
	for (int i = 0; i < n; i++) {
		const person *p = &m[i];
		char name[160];
		snprintf(name, sizeof name, "%s %s", p->first, p->surname);
		put(ps, "{\"kind\":\"person\",\"id\":");
		put_str(ps, p->id);
		put(ps, ",\"rev\":1,\"body\":{\"household_id\":");
		put_str(ps, hid);
		put(ps, ",\"locality\":");
		put_str(ps, loc_buf);
		put(ps, ",\"name\":");
		put_str(ps, name);
		put(ps, ",\"national_id\":");
		put_str(ps, p->nid);
		put(ps, ",\"birth_date\":");
		put_date(ps, p->birth);
		putf(ps, ",\"sex\":\"%s\",\"role\":\"%s\",\"address\":", p->female ? "female" : "male",
		     i == 0 ? "head" : p->child ? "child" : i < adults ? "adult" : "child");
		put_str(ps, addr);
		put(ps, "}}\n");
		ps->n++;
		st->persons++;
		st->children += p->child;
		st->adults_65 += p->age >= 65;
	}
	if (ro) {
		/* household vulnerability: none, some, many, most */
		static const double lw[4] = {73, 15, 8, 4};
		ro_household hv;
		hv.level = (int)rng_weighted(&r, lw, 4);
		double lv = hv.level * 0.12;
		st->level[hv.level]++;
		hv.poverty = rng_chance(&r, 0.01 + lv * 1.4);
		hv.unemployed = n > 1 && rng_chance(&r, 0.01 + lv * 1.1);
		hv.benefits = hv.poverty && rng_chance(&r, 0.6);
		hv.overcrowded = n >= 5 ? rng_chance(&r, 0.05 + lv) : rng_chance(&r, lv * 0.4);
		hv.no_utilities = rng_chance(&r, 0.01 + lv * 0.8);
		hv.no_doctor = rng_chance(&r, 0.005 + lv * 0.6);
		hv.parents_away = kids && rng_chance(&r, 0.01 + lv * 0.4);
		hv.violence = rng_chance(&r, 0.005 + lv * 0.06);
		for (int i = 0; i < n; i++) {
			const person *p = &m[i];
			if (!p->child && !p->female)
				continue; /* the census screens children and women */
			int v = ro_screening(&r, as, p, adults, n, &hv, census, loc_buf, addr, st);
			if (v) {
				st->cases++;
				/* about 5,200 of 22,000 cases become active */
				if (rng_chance(&r, 0.236)) {
					st->active++;
					put_services(&r, o, sv, p, loc_buf, st);
				}
			}
		}
	} else {
		for (int i = 0; i < n; i++) {
			const person *p = &m[i];
			double pr = p->age >= 65 ? 0.06 : p->child ? 0.004 : 0.008;
			if (!rng_chance(&r, pr))
				continue;
			bg_assessment(&r, as, p, lives_alone, kids, adults, loc_buf, addr, st);
			st->cases++;
			if (rng_chance(&r, 0.6)) {
				st->active++;
				put_services(&r, o, sv, p, loc_buf, st);
			}
		}
	}
}

/* ---- main ---------------------------------------------------------------- */

static void usage(FILE *f)
{
	fputs("usage: gen-data [--country ro|bg] [--households N | --scale county|municipality]\n"
	      "                [--seed S] [--out DIR] [--services-per-active LO-HI]\n"
	      "Writes DIR/assessments.json (exchange format), households.jsonl,\n"
	      "persons.jsonl and services.jsonl; prints statistics as key value lines.\n"
	      "  --country     ro: a Romanian county census (ro-household-screening);\n"
	      "                bg: a Bulgarian municipality (bg-independent-living). Default ro.\n"
	      "  --scale       county: 48,000 households; municipality: 2,000\n"
	      "  --households  any number of households (1-10,000,000)\n"
	      "  --services-per-active  services per active case, uniform (default 50-130)\n",
	      f);
}

static int parse_ul(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	errno = 0;
	if (!s || !*s || *s == '-')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || *end || v > max)
		return -1;
	*out = v;
	return 0;
}

static int open_sink(sink *s, const char *dir, const char *name)
{
	static char paths[4][4200];
	static int k;
	char *p = paths[k++ % 4];
	snprintf(p, 4200, "%s/%s", dir, name);
	s->path = p;
	s->n = s->bytes = 0;
	s->f = fopen(p, "wb");
	if (!s->f) {
		fprintf(stderr, "gen-data: %s: cannot write: %s\n", p, strerror(errno));
		return -1;
	}
	static char bufs[4][1 << 16];
	setvbuf(s->f, bufs[(k - 1) % 4], _IOFBF, sizeof bufs[0]);
	return 0;
}

int main(int argc, char **argv)
{
	opts o = {'r', 2000, 1, ".", 50, 130};
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		unsigned long long x;
		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--country") && v && (!strcmp(v, "ro") || !strcmp(v, "bg"))) {
			o.country = v[0] == 'r' ? 'r' : 'b';
		} else if (!strcmp(a, "--scale") && v && !strcmp(v, "county")) {
			o.households = 48000;
		} else if (!strcmp(a, "--scale") && v && !strcmp(v, "municipality")) {
			o.households = 2000;
		} else if (!strcmp(a, "--households") && !parse_ul(v, 10000000, &x) && x > 0) {
			o.households = (unsigned long)x;
		} else if (!strcmp(a, "--seed") && !parse_ul(v, UINT64_MAX, &x)) {
			o.seed = x;
		} else if (!strcmp(a, "--out") && v) {
			o.dir = v;
		} else if (!strcmp(a, "--services-per-active") && v) {
			int lo, hi;
			char tail;
			if (sscanf(v, "%d-%d%c", &lo, &hi, &tail) != 2 || lo < 0 || hi < lo || hi > 10000) {
				fprintf(stderr, "gen-data: --services-per-active wants LO-HI, e.g. 60-150\n");
				return 2;
			}
			o.services_lo = lo;
			o.services_hi = hi;
		} else {
			fprintf(stderr, "gen-data: bad or incomplete option \"%.40s\"\n", a);
			usage(stderr);
			return 2;
		}
		i++;
	}
	if (mkdir(o.dir, 0755) && errno != EEXIST) {
		fprintf(stderr, "gen-data: %s: cannot create: %s\n", o.dir, strerror(errno));
		return 3;
	}
	sink hs, ps, as, sv;
	if (open_sink(&hs, o.dir, "households.jsonl") || open_sink(&ps, o.dir, "persons.jsonl") ||
	    open_sink(&as, o.dir, "assessments.json") || open_sink(&sv, o.dir, "services.jsonl"))
		return 3;
	stats st;
	memset(&st, 0, sizeof st);
	put(&as, "[");
	for (unsigned long h = 0; h < o.households; h++)
		gen_household(&o, h, &hs, &ps, &as, &sv, &st);
	put(&as, as.n ? "\n]\n" : "]\n");
	sink *all[4] = {&hs, &ps, &as, &sv};
	for (int i = 0; i < 4; i++)
		if (fflush(all[i]->f) || ferror(all[i]->f) || fclose(all[i]->f)) {
			fprintf(stderr, "gen-data: %s: write failed: %s\n", all[i]->path, strerror(errno));
			return 3;
		}
	printf("country %s\n", o.country == 'r' ? "ro" : "bg");
	printf("seed %llu\n", (unsigned long long)o.seed);
	printf("households %llu\n", st.households);
	printf("persons %llu\n", st.persons);
	printf("children %llu\n", st.children);
	printf("adults_65_plus %llu\n", st.adults_65);
	printf("mean_household_size %.3f\n", st.households ? (double)st.persons / (double)st.households : 0.0);
	printf("children_share %.3f\n", st.persons ? (double)st.children / (double)st.persons : 0.0);
	for (int i = 1; i <= MAX_MEMBERS; i++)
		printf("households_of_%d %llu\n", i, st.size_hist[i]);
	printf("assessments %llu\n", st.assessments);
	printf("cases %llu\n", st.cases);
	printf("active_cases %llu\n", st.active);
	printf("services %llu\n", st.services);
	printf("notes %llu\n", st.notes);
	for (int i = 0; i < 4; i++) {
		if (o.country == 'b')
			printf("dependency_%s %llu\n", bg_levels[i], st.level[i]);
		else
			printf("household_vulnerability_%d %llu\n", i, st.level[i]);
	}
	for (int i = 0; i < 4; i++)
		printf("bytes_%s %llu\n", strrchr(all[i]->path, '/') + 1, all[i]->bytes);
	(void)gn_surnames_tr;
	(void)gn_notes_child;
	return 0;
}
