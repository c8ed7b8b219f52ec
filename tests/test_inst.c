/*
 * test_inst: the instrument loader and evaluation (common/inst.c).
 * Instrument texts are written inline with ' for " (converted before
 * loading; \\' gives a \" inside a JSON string). Every refused file must
 * name the file, the item and the problem; a small valid instrument checks
 * the validation of answers; the six shipped instruments are loaded and
 * scored with hand-made answers.
 */
#include <math.h>
#include <stdlib.h>

#include "test.h"
#include "../common/buf.h"
#include "../common/inst.h"

#define L "{'bg':'Въпрос','ro':'Întrebare','en':'Question'}"
#define TOP "'format':1,'id':'t','version':1,'title':" L
#define Q1 "{'id':'q1','type':'integer','min':0,'max':10,'label':" L "}"
#define SEC(items) "'sections':[{'id':'s','title':" L ",'items':[" items "]}]"
#define DOC(items) "{" TOP "," SEC(items) "}"
#define DOCX(items, more) "{" TOP "," SEC(items) "," more "}"
#define ITEM(body) DOC("{" body ",'label':" L "}")
#define CH(v) "{'value':" v ",'label':" L "}"
#define WITH(top) "{" top "," SEC(Q1) "}"
#define Q2REL(rel) DOC(Q1 ",{'id':'q2','type':'yesno','relevant':'" rel "','label':" L "}")
#define OUTP "'outputs':[{'id':'p','label':" L ",'expr':'${q1}'}]"
#define KEYP "{'output':'p','order':'desc'}"

/* ' → " (a preceding backslash stays). Caller frees. */
static char *unquote(const char *t, size_t len)
{
	char *s = malloc(len + 1);
	if (!s)
		return NULL;
	for (size_t i = 0; i < len; i++)
		s[i] = t[i] == '\'' ? '"' : t[i];
	s[len] = '\0';
	return s;
}

static int load_len(const char *tmpl, size_t len, instrument **in, err *e)
{
	char *s = unquote(tmpl, len);
	*in = NULL;
	if (!s)
		return ERR_NOMEM;
	int rc = inst_load_text("t.json", s, len, in, e);
	free(s);
	return rc;
}

/* Loading must give code: 0, or a failure whose message starts with the
 * file name and contains n1 and n2 (when not NULL). */
static void load_is(int line, const char *tmpl, size_t len, int code, const char *n1,
		    const char *n2)
{
	instrument *in = NULL;
	err e = {0, ""};
	int rc = load_len(tmpl, len, &in, &e);
	if (rc != code || (in != NULL) != (code == 0) ||
	    (code && (strncmp(e.msg, "t.json: ", 8) != 0 || (n1 && !strstr(e.msg, n1)) ||
		      (n2 && !strstr(e.msg, n2))))) {
		fprintf(stderr, "  %s:%d: load == %d \"%s\", expected %d \"%s\" \"%s\"\n", __FILE__,
			line, rc, e.msg, code, n1 ? n1 : "", n2 ? n2 : "");
		test_failures++;
	}
	inst_free(in);
}

#define FAILS(tmpl, code, n1, n2) load_is(__LINE__, tmpl, strlen(tmpl), code, n1, n2)
#define LOADS(tmpl) load_is(__LINE__, tmpl, strlen(tmpl), 0, NULL, NULL)

typedef struct load_case {
	const char *doc;
	int code;
	const char *n1, *n2;
} load_case;

static void run_cases(const char *what, const load_case *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int before = test_failures;
		load_is(__LINE__, c[i].doc, strlen(c[i].doc), c[i].code, c[i].n1, c[i].n2);
		if (test_failures != before)
			fprintf(stderr, "    (%s, case #%zu)\n", what, i + 1);
	}
}

#define RUN(cases) run_cases(#cases, cases, sizeof cases / sizeof cases[0])

static const load_case top_errors[] = {
	{"{'format':1,", ERR_INVALID, "line 1, column ", "not valid JSON"},
	{"{'format':1,\n 'id':'\x80'}", ERR_INVALID, "line 2, column 8", "invalid UTF-8"},
	{"[1,2]", ERR_INVALID, "must be a JSON object", NULL},
	{WITH("'id':'t','version':1,'title':" L), ERR_INVALID, "\"format\" must be 1", NULL},
	{WITH("'format':2,'id':'t','version':1,'title':" L), ERR_INVALID, "\"format\" must be 1", NULL},
	{WITH("'format':1,'version':1,'title':" L), ERR_INVALID, "instrument", "\"id\" is missing"},
	{WITH("'format':1,'id':'a/b','version':1,'title':" L), ERR_INVALID, "\"id\" must be 1-64",
	 NULL},
	{WITH("'format':1,'id':'t','title':" L), ERR_INVALID, "\"version\"", "whole number"},
	{WITH("'format':1,'id':'t','version':1.5,'title':" L), ERR_INVALID, "\"version\"", NULL},
	{WITH("'format':1,'id':'t','version':1"), ERR_INVALID, "instrument", "\"title\" is missing"},
	{"{" TOP "}", ERR_INVALID, "\"sections\"", "non-empty list"},
};

static const load_case item_errors[] = {
	{ITEM("'id':'q 1','type':'yesno'"), ERR_INVALID, "item #1", "id must be 1-64 characters"},
	{DOC(Q1 ",{'id':'q/2','type':'yesno','label':" L "}"), ERR_INVALID, "item #2", "id must be"},
	{ITEM("'id':'a1234567890123456789012345678901234567890123456789012345678901234',"
	      "'type':'yesno'"), ERR_INVALID, "item #1", "id must be"}, /* 65 bytes */
	{ITEM("'type':'yesno'"), ERR_INVALID, "item #1", "\"id\" is missing"},
	{DOC("{'id':'q1','type':'yesno','label':{'bg':'а','en':'b'}}"), ERR_INVALID, "item \"q1\"",
	 "\"label\": \"ro\" is missing"},
	{DOC("{'id':'q1','type':'yesno','label':{'bg':'а','ro':'','en':'b'}}"), ERR_INVALID,
	 "item \"q1\"", "\"label\".ro is empty"},
	{DOC("{'id':'q1','type':'yesno'}"), ERR_INVALID, "item \"q1\"", "\"label\" is missing"},
	{DOC(Q1 "," Q1), ERR_INVALID, "item \"q1\"", "duplicate id"},
	{DOCX(Q1, "'outputs':[{'id':'q1','label':" L ",'expr':'1'}]"), ERR_INVALID, "output \"q1\"",
	 "duplicate id"},
	{ITEM("'id':'q1','type':'number'"), ERR_INVALID, "item \"q1\"", "unknown type \"number\""},
	{ITEM("'id':'q1','type':'integer','min':0"), ERR_INVALID, "item \"q1\"",
	 "needs \"min\" and \"max\""},
	{ITEM("'id':'3.1.2','type':'integer','min':4,'max':3"), ERR_INVALID,
	 "t.json: item \"3.1.2\": \"max\" (3) is below \"min\" (4)", NULL},
	{ITEM("'id':'q1','type':'decimal','min':0.5,'max':0.25"), ERR_INVALID, "item \"q1\"",
	 "\"max\" (0.25) is below \"min\" (0.5)"},
	{ITEM("'id':'q1','type':'text','max_length':5000"), ERR_INVALID, "item \"q1\"", "max_length"},
	{ITEM("'id':'q1','type':'integer','min':0,'max':1,'constraint':'. > 0'"), ERR_INVALID,
	 "item \"q1\"", "\"message\" is missing"},
	/* choices */
	{ITEM("'id':'q1','type':'single','scale':'nope'"), ERR_INVALID, "item \"q1\"",
	 "unknown scale \"nope\""},
	{DOCX("{'id':'q1','type':'single','scale':'nope','label':" L "}",
	      "'scales':{'r':[" CH("0") "]}"), ERR_INVALID, "item \"q1\"", "unknown scale \"nope\""},
	{ITEM("'id':'q1','type':'single','choices':[" CH("1") "," CH("'a'") "," CH("1") "]"),
	 ERR_INVALID, "item \"q1\"", "choice #3: duplicate value"},
	{ITEM("'id':'q1','type':'multiple','choices':[" CH("'x'") "," CH("'x'") "]"), ERR_INVALID,
	 "item \"q1\"", "choice #2: duplicate value"},
	{ITEM("'id':'q1','type':'single'"), ERR_INVALID, "item \"q1\"", "non-empty list of choices"},
};

static const load_case expr_errors[] = {
	{Q2REL("${q1} >"), ERR_INVALID, "item \"q2\": \"relevant\": at 7: ", NULL},
	{Q2REL("(${q1} > 3"), ERR_INVALID, "item \"q2\": \"relevant\": at 10: ", "')'"},
	{Q2REL("${zz} = 1"), ERR_INVALID, "item \"q2\": \"relevant\": at 0: ",
	 "unknown reference ${zz}"},
	{ITEM("'id':'q1','type':'integer','min':0,'max':1,'constraint':'. > ${nope}','message':" L),
	 ERR_INVALID, "item \"q1\": \"constraint\"", "unknown reference ${nope}"},
	{ITEM("'id':'q1','type':'yesno','required':'${q9}'"), ERR_INVALID,
	 "item \"q1\": \"required\"", "unknown reference ${q9}"},
	/* items see items and context, not computed values */
	{DOCX(Q1 ",{'id':'q2','type':'yesno','relevant':'${c1}','label':" L "}",
	      "'computed':[{'id':'c1','expr':'true'}]"), ERR_INVALID, "item \"q2\"", "${c1}"},
	/* computed values and outputs see only what comes before them */
	{DOCX(Q1, "'computed':[{'id':'c1','expr':'${c2} + 1'},{'id':'c2','expr':'${q1}'}]"),
	 ERR_INVALID, "computed \"c1\": \"expr\"", "unknown reference ${c2}"},
	{DOCX(Q1, "'computed':[{'id':'c1','expr':'${c1} + 1'}]"), ERR_INVALID, "computed \"c1\"",
	 "unknown reference ${c1}"},
	{DOCX(Q1, "'computed':[{'id':'c1','expr':'${o1}'}],'outputs':[{'id':'o1','label':" L
		  ",'expr':'1'}]"), ERR_INVALID, "computed \"c1\"", "unknown reference ${o1}"},
	{DOCX(Q1, "'outputs':[{'id':'o1','label':" L ",'rules':[{'value':1,'when':'${o2}'}]},"
		  "{'id':'o2','label':" L ",'expr':'true'}]"), ERR_INVALID, "output \"o1\" rule #1",
	 "unknown reference ${o2}"},
	{DOCX(Q1, "'computed':[{'id':'c1','expr':'lookup(\\'nope\\', 1)'}]"), ERR_INVALID,
	 "computed \"c1\"", "unknown table 'nope'"},
	/* tables */
	{DOCX(Q1, "'tables':{'t':[{'min':0,'value':1},{'min':5,'value':2},{'min':5,'value':3}]}"),
	 ERR_INVALID, "table \"t\"", "two rows with min 5"},
	/* ranking */
	{DOCX(Q1, OUTP ",'ranking':{'key':[" KEYP ",{'output':'nope','order':'asc'}]}"), ERR_INVALID,
	 "ranking key #2", "\"output\" names unknown field \"nope\""},
	{DOCX(Q1, OUTP ",'ranking':{'key':[" KEYP "],'child':'kid'}"), ERR_INVALID, "ranking",
	 "\"child\" names unknown field \"kid\""},
};

static void inst_load_top_level_errors(void)
{
	LOADS(DOC(Q1));
	RUN(top_errors);
}

static void inst_load_item_errors(void)
{
	RUN(item_errors);
	/* 64 bytes is still an id; the number 1 and the text '1' differ */
	LOADS(ITEM("'id':'a123456789012345678901234567890123456789012345678901234567890123',"
		   "'type':'yesno'"));
	LOADS(ITEM("'id':'q1','type':'single','choices':[" CH("1") "," CH("'1'") "]"));
}

static void inst_load_expression_errors(void)
{
	RUN(expr_errors);
	LOADS(Q2REL("${q1} > 3"));
	/* relevance may only look back: one pass in file order settles it */
	{
		static const char d[] = DOC("{'id':'q0','type':'yesno','relevant':'${q1} > 3','label':" L "}," Q1);
		instrument *in = NULL;
		err e = {0, ""};
		CHECK_INT(load_len(d, sizeof d - 1, &in, &e), ERR_INVALID);
		CHECK(strstr(e.msg, "item \"q0\": \"relevant\"") != NULL);
		CHECK(strstr(e.msg, "unknown reference ${q1}") != NULL);
		inst_free(in);
	}
	/* a constraint may refer to a later item */
	LOADS(DOC("{'id':'q0','type':'integer','min':0,'max':9,'constraint':'. <= ${q1}','message':" L ",'label':" L "}," Q1));
	LOADS(DOCX(Q1, "'computed':[{'id':'c1','expr':'${q1} + 1'},{'id':'c2','expr':'${c1} * 2'}]"));
	LOADS(DOCX(Q1, "'tables':{'t':[{'min':5,'value':2},{'min':0,'value':1}]},"
		       "'outputs':[{'id':'o','label':" L ",'expr':'lookup(\\'t\\', ${q1})'}]"));
	LOADS(DOCX(Q1, OUTP ",'ranking':{'key':[" KEYP "]}"));
}

/* Section ids follow the rule of item ids (docs/instrument-format.md,
 * "Limits": id of an item/section/output/table, 1-64 bytes of
 * [A-Za-z0-9_.-]), but the loader only checks that it is a string. */
static void inst_load_section_id_checked(void)
{
	FAILS("{" TOP ",'sections':[{'id':'a b','title':" L ",'items':[" Q1 "]}]}", ERR_INVALID,
	      "section", "id must be");
	FAILS("{" TOP ",'sections':[{'id':'','title':" L ",'items':[" Q1 "]}]}", ERR_INVALID,
	      "section", "id must be");
}

/* A field without a usable id is named by its position, which must count
 * within its own list: the first computed value is "computed #1", the
 * first item "item #1" even after a context field. */
static void inst_load_unnamed_field_position(void)
{
	FAILS(DOCX(Q1, "'computed':[{'expr':'1'}]"), ERR_INVALID, "computed #1:", "\"id\" is missing");
	FAILS(DOCX(Q1, "'outputs':[{'id':'o1','label':" L ",'expr':'1'},{'id':'o 2','label':" L
		       ",'expr':'1'}]"), ERR_INVALID, "output #2:", "id must be");
	FAILS("{" TOP ",'context':[{'id':'d','type':'date','source':'assessed_on'}],"
	      SEC("{'id':'q 1','type':'yesno','label':" L "}") "}", ERR_INVALID, "item #1:",
	      "id must be");
}

/* b = head, then n × (pre, index, post) separated by commas, then tail. */
static void many(buf *b, const char *head, const char *pre, const char *post, int n,
		 const char *tail)
{
	buf_reset(b);
	buf_puts(b, head);
	for (int i = 0; i < n; i++)
		buf_printf(b, "%s%s%d%s", i ? "," : "", pre, i, post);
	buf_puts(b, tail);
}

static void inst_load_limits(void)
{
	buf b = BUF_INIT;
	static const char ch_head[] = "{" TOP ",'sections':[{'id':'s','title':" L ",'items':["
				      "{'id':'q1','type':'single','label':" L ",'choices':[";
	many(&b, ch_head, "{'value':", ",'label':" L "}", INST_MAX_CHOICES, "]}]}]}");
	load_is(__LINE__, b.data, b.len, 0, NULL, NULL);
	many(&b, ch_head, "{'value':", ",'label':" L "}", INST_MAX_CHOICES + 1, "]}]}]}");
	load_is(__LINE__, b.data, b.len, ERR_LIMIT, "item \"q1\"", "more than 128 choices");
	static const char f_head[] = "{" TOP ",'sections':[{'id':'s','title':" L ",'items':[";
	many(&b, f_head, "{'id':'f", "','type':'yesno','label':" L "}", INST_MAX_FIELDS, "]}]}");
	load_is(__LINE__, b.data, b.len, 0, NULL, NULL);
	many(&b, f_head, "{'id':'f", "','type':'yesno','label':" L "}", INST_MAX_FIELDS + 1,
	     "]}]}");
	load_is(__LINE__, b.data, b.len, ERR_LIMIT, "more than 1024 fields", NULL);
	/* exactly 1 MiB (white space padding) loads; one byte more does not;
	 * a string over 4,096 bytes */
	for (size_t n = INST_MAX_FILE; n <= INST_MAX_FILE + 1; n++) {
		buf_reset(&b);
		buf_puts(&b, DOC(Q1));
		while (b.len < n)
			buf_putc(&b, ' ');
		load_is(__LINE__, b.data, b.len, n == INST_MAX_FILE ? 0 : ERR_LIMIT,
			"larger than the limit of 1048576 bytes", NULL);
	}
	buf_reset(&b);
	buf_puts(&b, "{" TOP "," SEC(Q1) ",'x':'");
	for (int i = 0; i <= INST_MAX_STRING; i++)
		buf_putc(&b, 'a');
	buf_puts(&b, "'}");
	load_is(__LINE__, b.data, b.len, ERR_LIMIT, "string too long", NULL);
	/* nesting: the top object and 31 arrays are 32 levels; 32 arrays are 33 */
#define A8 "[[[[[[[["
#define Z8 "]]]]]]]]"
	LOADS("{" TOP "," SEC(Q1) ",'x':" A8 A8 A8 "[[[[[[[" Z8 Z8 Z8 "]]]]]]]}");
	FAILS("{" TOP "," SEC(Q1) ",'x':" A8 A8 A8 A8 Z8 Z8 Z8 Z8 "}", ERR_LIMIT, "line 1, column",
	      "nested too deeply");
	buf_free(&b);
}

/* --- evaluation ------------------------------------------------------- */

static const char ev_doc[] =
	"{" TOP ","
	"'context':[{'id':'assessed_on','type':'date','source':'assessed_on','required':true},"
	" {'id':'birth','type':'date','source':'person.birth_date'}],"
	"'scales':{'r3':[" CH("0") "," CH("1") "," CH("2") "]},"
	SEC("{'id':'age','type':'integer','min':0,'max':120,'required':true,'label':" L "},"
	    "{'id':'tnr','type':'integer','min':0,'max':100,'nullable':true,'required':true,"
	    " 'label':" L "},"
	    "{'id':'school','type':'yesno','required':true,'relevant':'${age} < 18','label':" L "},"
	    "{'id':'hours','type':'decimal','min':0.5,'max':24.5,'constraint':'. <= ${age}',"
	    " 'message':{'bg':'повече от възрастта','ro':'mai mult decât vârsta',"
	    " 'en':'more than the age'},'label':" L "},"
	    "{'id':'aids','type':'multiple','choices':[" CH("'cane'") "," CH("'chair'") "," CH("3")
	    "],'label':" L "},"
	    "{'id':'mood','type':'single','scale':'r3','label':" L "},"
	    "{'id':'visit','type':'date','label':" L "},"
	    "{'id':'note','type':'text','max_length':5,'required':'${tnr} >= 50','label':" L "}")
	",'computed':[{'id':'adult','expr':'${age} >= 18'}],"
	"'outputs':[{'id':'naids','label':" L ",'expr':'count(${aids})'},"
	" {'id':'band','label':" L ",'rules':[{'value':'high','when':'${tnr} >= 90'},"
	"  {'value':'mid','when':'${tnr} >= 50'}],'default':null}]}";

/* One evaluation: the assessment text (' for "), its tree and the result. */
typedef struct run {
	char *txt;
	cJSON *a;
	inst_eval ev;
	int rc;
	err e;
} run;

static int run_start(run *r, const instrument *in, const char *tmpl, inst_lang lang)
{
	memset(r, 0, sizeof *r);
	r->txt = unquote(tmpl, strlen(tmpl));
	r->a = r->txt ? cJSON_Parse(r->txt) : NULL;
	if (!r->a || inst_eval_init(&r->ev, in)) {
		fprintf(stderr, "  bad test input %s\n", tmpl);
		test_failures++;
		return r->rc = -100;
	}
	return r->rc = inst_evaluate(&r->ev, r->a, lang, &r->e);
}

static void run_end(run *r)
{
	if (r->ev.in)
		inst_eval_free(&r->ev);
	cJSON_Delete(r->a);
	free(r->txt);
}

/* A slot's value as a number (NaN otherwise) or as text ("" otherwise). */
static double num(const run *r, const char *id)
{
	const expr_value *v = inst_value(&r->ev, inst_slot(r->ev.in, id, strlen(id)));
	return v->type == EXPR_NUM ? v->u.num : v->type == EXPR_BOOL ? (double)v->u.b : (double)NAN;
}

static const char *text(const run *r, const char *id, char *out, size_t n)
{
	const expr_value *v = inst_value(&r->ev, inst_slot(r->ev.in, id, strlen(id)));
	out[0] = '\0';
	if (v->type == EXPR_STR)
		snprintf(out, n, "%.*s", (int)v->u.str.len, v->u.str.s);
	return out;
}

/* Evaluates {'assessed_on':…,'answers':{answers}} (or answers itself when
 * it starts with '{') against ev_doc; checks code and exact message. */
static void eval_is(int line, const char *answers, inst_lang lang, int code, const char *msg)
{
	instrument *in = NULL;
	err e = {0, ""};
	if (load_len(ev_doc, sizeof ev_doc - 1, &in, &e)) {
		fprintf(stderr, "  %s:%d: cannot load: %s\n", __FILE__, line, e.msg);
		test_failures++;
		return;
	}
	buf b = BUF_INIT;
	if (answers[0] == '{')
		buf_puts(&b, answers);
	else
		buf_printf(&b, "{'assessed_on':'2026-03-01','answers':{%s}}", answers);
	run r;
	if (run_start(&r, in, b.data, lang) != code || strcmp(r.e.msg, msg) != 0) {
		fprintf(stderr, "  %s:%d: evaluate == %d \"%s\", expected %d \"%s\"\n", __FILE__,
			line, r.rc, r.e.msg, code, msg);
		test_failures++;
	}
	run_end(&r);
	buf_free(&b);
	inst_free(in);
}

#define BASE "'age':30,'tnr':95,'note':'ok'"
#define OK(ans) eval_is(__LINE__, ans, LANG_EN, 0, "")
#define BAD(ans, msg) eval_is(__LINE__, ans, LANG_EN, ERR_INVALID, msg)
#define BAD_IN(lang, ans, msg) eval_is(__LINE__, ans, lang, ERR_INVALID, msg)

static void inst_eval_values(void)
{
	instrument *in = NULL;
	err e = {0, ""};
	CHECK_INT(load_len(ev_doc, sizeof ev_doc - 1, &in, &e), 0);
	if (!in)
		return;
	run r;
	char s[16];
	CHECK_INT(run_start(&r, in, "{'assessed_on':'2026-03-01','person':{'birth_date':'1996-01-02'},"
			  "'answers':{'age':30,'tnr':95,'note':'ok','school':'yes','hours':12.5,"
			  "'aids':['cane',3],'mood':2,'visit':'2024-02-29'}}", LANG_EN), 0);
	if (r.rc == 0) {
		CHECK_INT(num(&r, "naids"), 2);
		CHECK_INT(num(&r, "adult"), 1);
		CHECK_STR(text(&r, "band", s, sizeof s), "high");
		CHECK(num(&r, "hours") == 12.5);
		CHECK_STR(text(&r, "birth", s, sizeof s), "1996-01-02");
		/* school is not relevant at 30: its (wrongly typed) answer is ignored */
		int school = inst_slot(in, "school", 6);
		CHECK_INT(r.ev.relevant[school], 0);
		CHECK(inst_value(&r.ev, school)->type == EXPR_NULL);
		/* tnr null (nullable) counts as given; band falls to its default */
		cJSON *ans = cJSON_GetObjectItemCaseSensitive(r.a, "answers");
		cJSON_ReplaceItemInObjectCaseSensitive(ans, "tnr", cJSON_CreateNull());
		CHECK_INT(inst_evaluate(&r.ev, r.a, LANG_EN, &e), 0);
		CHECK(inst_value(&r.ev, inst_slot(in, "band", 4))->type == EXPR_NULL);
		CHECK_INT(r.ev.given[inst_slot(in, "tnr", 3)], 1);
	}
	run_end(&r);
	inst_free(in);
}

static void inst_eval_required_relevant(void)
{
	OK(BASE);
	BAD("'tnr':95,'note':'ok'", "age: missing");
	BAD_IN(LANG_BG, "'tnr':95,'note':'ok'", "age: липсва");
	BAD_IN(LANG_RO, "'tnr':95,'note':'ok'", "age: lipsește");
	BAD("'age':null,'tnr':95,'note':'ok'", "age: missing"); /* not nullable */
	BAD("'age':30,'note':'ok'", "tnr: missing");
	OK("'age':30,'tnr':null");                               /* note not required then */
	BAD("'age':30,'tnr':50", "note: missing");                 /* required by expression */
	BAD("'age':10,'tnr':95,'note':'ok'", "school: missing");   /* relevant at 10 */
	OK("'age':10,'tnr':95,'note':'ok','school':false");
	BAD("'age':10,'tnr':95,'note':'ok','school':'no'", "school: expected true or false");
	OK(BASE ",'school':'no'");                                 /* not relevant: ignored */
	/* context fields come first and are named by their source */
	BAD("{'answers':{" BASE "}}", "assessed_on: missing");
	BAD("{'assessed_on':'01.03.2026','answers':{" BASE "}}",
	    "assessed_on: expected a date YYYY-MM-DD");
	BAD("{'assessed_on':'2026-03-01','person':{'birth_date':'1996-02-30'},'answers':{" BASE "}}",
	    "person.birth_date: expected a date YYYY-MM-DD");
	BAD("{'assessed_on':'2026-03-01'}", "answers: missing");
	/* problems are reported in file order */
	BAD("'age':200,'tnr':500,'note':'ok'", "age: out of range 0-120");
	BAD("'tnr':95,'note':'toolong','mood':7", "age: missing");
}

static void inst_eval_constraint_and_bounds(void)
{
	OK("'age':20,'tnr':95,'note':'ok','hours':20");
	BAD("'age':20,'tnr':95,'note':'ok','hours':21", "hours: more than the age");
	BAD_IN(LANG_BG, "'age':20,'tnr':95,'note':'ok','hours':21", "hours: повече от възрастта");
	BAD_IN(LANG_RO, "'age':20,'tnr':95,'note':'ok','hours':21", "hours: mai mult decât vârsta");
	OK(BASE ",'hours':0.5");
	OK(BASE ",'hours':24.5");
	OK(BASE ",'hours':null");
	BAD(BASE ",'hours':0.4", "hours: out of range 0.5-24.5");
	BAD_IN(LANG_BG, BASE ",'hours':25", "hours: извън допустимия обхват 0.5-24.5");
	BAD(BASE ",'hours':'12'", "hours: expected a number");
	BAD("'age':2.5,'tnr':95,'note':'ok'", "age: expected an integer");
	BAD("'age':121,'tnr':95,'note':'ok'", "age: out of range 0-120");
	OK("'age':120,'tnr':0");
	OK(BASE ",'mood':0");
	BAD(BASE ",'mood':3", "mood: not one of the choices");
	BAD(BASE ",'mood':'1'", "mood: not one of the choices");
}

static void inst_eval_multiple_date_text(void)
{
	OK(BASE ",'aids':[]");
	OK(BASE ",'aids':['chair','cane',3]");
	BAD(BASE ",'aids':['cane','cane']", "aids: duplicate choice");
	BAD_IN(LANG_BG, BASE ",'aids':[3,3]", "aids: повторен отговор");
	BAD(BASE ",'aids':['cane','3']", "aids: not one of the choices");
	BAD(BASE ",'aids':'cane'", "aids: expected a list");
	OK(BASE ",'visit':'2024-02-29'");
	BAD(BASE ",'visit':'2026-02-29'", "visit: expected a date YYYY-MM-DD");
	BAD(BASE ",'visit':'2026-13-01'", "visit: expected a date YYYY-MM-DD");
	BAD(BASE ",'visit':20260101", "visit: expected a date YYYY-MM-DD");
	BAD_IN(LANG_RO, BASE ",'visit':'x'", "visit: se așteaptă o dată AAAA-LL-ZZ");
	OK("'age':30,'tnr':95,'note':'12345'");
	BAD("'age':30,'tnr':95,'note':'123456'", "note: too long");
	OK("'age':30,'tnr':95,'note':'аб'");                   /* 4 bytes */
	BAD("'age':30,'tnr':95,'note':'абв'", "note: too long"); /* 6 bytes */
	BAD("'age':30,'tnr':95,'note':5", "note: expected text");
}

static void inst_eval_unknown_key(void)
{
	BAD(BASE ",'zzz':1", "answers.zzz: unknown item");
	BAD_IN(LANG_BG, BASE ",'zzz':1", "answers.zzz: непознат въпрос");
	BAD_IN(LANG_RO, BASE ",'zzz':1", "answers.zzz: întrebare necunoscută");
	BAD(BASE ",'adult':true", "answers.adult: unknown item"); /* computed */
	BAD(BASE ",'naids':1", "answers.naids: unknown item");    /* output */
	BAD(BASE ",'assessed_on':'2026-03-01'", "answers.assessed_on: unknown item");
}

/* "relevant: when false … its value is null … and an answer given anyway
 * is ignored". qb is not relevant when qc = 0, so qa (relevant when qb is
 * true) is not asked either, whatever was answered for qb; and qd, whose
 * requirement looks at the later qa, must see qa as null. The answer
 * ignored for qb must not change the result. */
static void inst_eval_irrelevant_later_item_is_null(void)
{
	static const char doc[] = DOC(
		"{'id':'qc','type':'integer','min':0,'max':1,'required':true,'label':" L "},"
		"{'id':'qd','type':'text','required':'${qa} = true','label':" L "},"
		"{'id':'qb','type':'yesno','relevant':'${qc} = 1','label':" L "},"
		"{'id':'qa','type':'yesno','required':true,'relevant':'${qb} = true','label':" L "}");
	instrument *in = NULL;
	err e = {0, ""};
	CHECK_INT(load_len(doc, sizeof doc - 1, &in, &e), 0);
	if (!in)
		return;
	run r;
	CHECK_INT(run_start(&r, in, "{'answers':{'qc':0}}", LANG_EN), 0);
	run_end(&r);
	CHECK_INT(run_start(&r, in, "{'answers':{'qc':1,'qb':true}}", LANG_EN), ERR_INVALID);
	CHECK_STR(r.e.msg, "qa: missing");
	run_end(&r);
	CHECK_INT(run_start(&r, in, "{'answers':{'qc':0,'qb':true}}", LANG_EN), 0);
	CHECK_STR(r.e.msg, "");
	run_end(&r);
	/* qa answered but not asked: qd's requirement sees null */
	CHECK_INT(run_start(&r, in, "{'answers':{'qc':0,'qb':true,'qa':true}}", LANG_EN), 0);
	run_end(&r);
	CHECK_INT(run_start(&r, in, "{'answers':{'qc':1,'qb':true,'qa':true}}", LANG_EN), ERR_INVALID);
	CHECK_STR(r.e.msg, "qd: missing");
	run_end(&r);
	inst_free(in);
}

/* --- shipped instruments ---------------------------------------------- */

static instrument *shipped(const char *id)
{
	instrument *in = NULL;
	err e = {0, ""};
	if (inst_load_by_id(FA_SOURCE_DIR "/instruments", id, 1, &in, &e)) {
		fprintf(stderr, "  cannot load %s: %s\n", id, e.msg);
		test_failures++;
	}
	return in;
}

static const char *fid(const instrument *in, int slot)
{
	return slot >= 0 && (size_t)slot < in->nfields ? in->fields[slot].id : "(none)";
}

typedef struct scored {
	const char *answers;
	double total; /* of output `out` */
	const char *band; /* of output `band_out`, or NULL */
} scored;

/* Evaluates each answer set and checks a numeric and a text output. */
static void check_scores(const instrument *in, const char *out, const char *band_out,
			 const scored *c, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		run r;
		char s[32] = "";
		double x = NAN;
		if (run_start(&r, in, c[i].answers, LANG_EN) == 0) {
			x = num(&r, out);
			if (band_out)
				text(&r, band_out, s, sizeof s);
		}
		if (!(x == c[i].total || (isnan(x) && isnan(c[i].total))) ||
		    (band_out && c[i].band && strcmp(s, c[i].band) != 0)) {
			fprintf(stderr, "  %s case #%zu: %s = %g \"%s\" (%s), expected %g \"%s\"\n",
				in->id, i + 1, out, x, s, r.e.msg, c[i].total, c[i].band ? c[i].band : "");
			test_failures++;
		}
		run_end(&r);
	}
}

/* 42 rated items 0-4 in file order 3.1.1 … 7.2.3; 5 ranking keys. */
static void inst_shipped_bg_independent_living(void)
{
	instrument *in = shipped("bg-independent-living");
	if (!in)
		return;
	CHECK_INT(in->version, 1);
	size_t rated = 0;
	const char *first = NULL, *last = NULL;
	for (size_t i = 0; i < in->nfields; i++) {
		const inst_field *f = &in->fields[i];
		int ok = f->type == INST_SINGLE && f->nchoices == 5;
		for (size_t c = 0; ok && c < 5; c++)
			ok = f->choices[c].value.type == EXPR_NUM && f->choices[c].value.u.num == (double)c;
		rated += ok != 0;
		first = ok && !first ? f->id : first;
		last = ok ? f->id : last;
	}
	CHECK_INT(rated, 42);
	CHECK_STR(first, "3.1.1");
	CHECK_STR(last, "7.2.3");
	const inst_ranking *R = &in->ranking;
	static const char *const keys[] = {"points", "tiebreak", "group", "income", "registered_on"};
	CHECK(R->present);
	CHECK_INT(R->nkeys, 5);
	for (size_t k = 0; k < 5 && k < R->nkeys; k++) {
		CHECK_STR(fid(in, R->keys[k].slot), keys[k]);
		CHECK_INT(R->keys[k].desc, k < 2);
	}
	CHECK_INT(R->keys[2].npriority, 11);
	if (R->keys[2].npriority == 11) {
		CHECK_STR(R->keys[2].priority[0], "I");
		CHECK_STR(R->keys[2].priority[10], "OTHER");
	}
	CHECK_STR(fid(in, R->ineligible_slot), "ineligible_reason");
	CHECK_STR(fid(in, R->child_slot), "is_child");
	CHECK_STR(fid(in, R->hours_slot), "points");
	CHECK_INT(R->max_users, 150);
	CHECK(R->children_share == 0.25);
	CHECK_INT(R->has_hours_budget, 0);
	inst_free(in);
}

#define BARTHEL(f, b, g, d, bo, bl, to, tr, mo, st) \
	"{'answers':{'barthel.feeding':" #f ",'barthel.bathing':" #b ",'barthel.grooming':" #g \
	",'barthel.dressing':" #d ",'barthel.bowels':" #bo ",'barthel.bladder':" #bl          \
	",'barthel.toilet':" #to ",'barthel.transfers':" #tr ",'barthel.mobility':" #mo       \
	",'barthel.stairs':" #st "}}"

static void inst_shipped_barthel(void)
{
	instrument *in = shipped("barthel");
	if (!in)
		return;
	double max = 0;
	for (size_t i = 0; i < in->nfields; i++) {
		double m = 0;
		for (size_t c = 0; c < in->fields[i].nchoices; c++)
			m = fmax(m, in->fields[i].choices[c].value.u.num);
		max += m;
	}
	CHECK_INT(max, 100);
	/* the bands, as a step table: "total" up to 20, "severe" from 21 */
	static const double mins[] = {0, 21, 61, 91, 100};
	static const char *const bands[] = {"total", "severe", "moderate", "slight", "independent"};
	const expr_table *t = in->ntables == 1 ? &in->tables[0] : NULL;
	CHECK(t && strcmp(t->name, "dependency") == 0 && t->n == 5);
	for (size_t r = 0; t && r < 5 && r < t->n; r++) {
		const expr_value *v = &t->rows[r].value;
		CHECK(t->rows[r].min == mins[r]);
		CHECK(v->type == EXPR_STR && strlen(bands[r]) == v->u.str.len &&
		      memcmp(v->u.str.s, bands[r], v->u.str.len) == 0);
	}
	static const scored cases[] = {
		{BARTHEL(10, 5, 5, 10, 10, 10, 10, 15, 15, 10), 100, "independent"},
		{BARTHEL(10, 5, 5, 10, 10, 10, 10, 15, 15, 5), 95, "slight"},
		{BARTHEL(10, 5, 5, 10, 10, 10, 10, 5, 0, 0), 65, "moderate"},
		{BARTHEL(10, 5, 5, 10, 10, 10, 10, 0, 0, 0), 60, "severe"},
		{BARTHEL(10, 5, 5, 5, 0, 0, 0, 0, 0, 0), 25, "severe"},
		{BARTHEL(10, 5, 5, 0, 0, 0, 0, 0, 0, 0), 20, "total"},
		{BARTHEL(0, 0, 0, 0, 0, 0, 0, 0, 0, 0), 0, "total"},
		{BARTHEL(0, 0, 0, 0, 0, 0, 0, 0, 0, 3), NAN, NULL}, /* 3 is not a choice */
	};
	check_scores(in, "total", "dependency", cases, sizeof cases / sizeof cases[0]);
	inst_free(in);
}

#define LAWTON(t, s, f, h, l, tr, m, fi)                                                 \
	"{'answers':{'lawton.telephone':'" t "','lawton.shopping':'" s "','lawton.food':'" f \
	"','lawton.housekeeping':'" h "','lawton.laundry':'" l "','lawton.transport':'" tr \
	"','lawton.medication':'" m "','lawton.finances':'" fi "'}}"
#define KATZ(a, b, c, d, e, f)                                                     \
	"{'answers':{'katz.bathing':" #a ",'katz.dressing':" #b ",'katz.toileting':" #c \
	",'katz.transferring':" #d ",'katz.continence':" #e ",'katz.feeding':" #f "}}"

static void inst_shipped_lawton_katz(void)
{
	static const scored lawton[] = {
		{LAWTON("own_initiative", "independent", "independent", "alone", "all",
			"independent", "responsible", "independent"), 8, NULL},
		{LAWTON("none", "unable", "dependent", "none", "by_others", "none", "unable",
			"unable"), 0, NULL},
		{LAWTON("answers_only", "small", "heats", "needs_help", "small", "assisted_car",
			"prepared", "daily"), 4, NULL},
	};
	static const scored katz[] = {
		{KATZ(true, true, true, true, true, true), 6, NULL},
		{KATZ(false, false, false, false, false, false), 0, NULL},
		{KATZ(true, false, true, false, true, false), 3, NULL},
		{KATZ(true, true, true, true, true, null), NAN, NULL}, /* required */
	};
	instrument *in = shipped("lawton-iadl");
	if (in)
		check_scores(in, "total", NULL, lawton, sizeof lawton / sizeof lawton[0]);
	inst_free(in);
	in = shipped("katz-adl");
	if (in)
		check_scores(in, "total", NULL, katz, sizeof katz / sizeof katz[0]);
	inst_free(in);
}

#define RO(role, sex)                                                                      \
	"{'assessed_on':'2026-03-01','person':{'birth_date':'1990-06-01'},'answers':{"      \
	"'role':'" role "','sex':'" sex "','econ.poverty':true,'econ.parents_unemployed':false," \
	"'econ.social_benefits':false,'social.single_parent':false,"                          \
	"'health.no_family_doctor':false,'health.chronic_disability':false,"                  \
	"'health.pregnant_no_care':false,'housing.no_documents':false,"                       \
	"'housing.overcrowded':true,'housing.no_utilities':false,"                            \
	"'risk.substance_use':false,'risk.violence':true,'risk.law_conflict':false}}"

static void inst_shipped_others(void)
{
	instrument *in = shipped("bg-personal-assistance");
	if (in) {
		size_t rated = 0;
		for (size_t i = 0; i < in->nfields; i++)
			rated += in->fields[i].type == INST_SINGLE && in->fields[i].nchoices == 5;
		CHECK_INT(rated, 51);
		CHECK_INT(in->ranking.present, 0);
		CHECK_INT(in->ntables, 2);
	}
	inst_free(in);
	in = shipped("ro-household-screening");
	if (in) {
		const inst_ranking *R = &in->ranking;
		CHECK_INT(R->nkeys, 3);
		CHECK_STR(fid(in, R->keys[0].slot), "dimensions_hit");
		CHECK_STR(fid(in, R->keys[2].slot), "age");
		CHECK_INT(R->max_users, 5200);
		CHECK(R->children_share == 1.0);
		static const scored c[] = {{RO("woman", "female"), 3, "high"}};
		check_scores(in, "dimensions_hit", "priority", c, 1);
		check_scores(in, "vulnerabilities", NULL, c, 1);
		/* the constraint message of the file, in two languages */
		run r;
		CHECK_INT(run_start(&r, in, RO("woman", "male"), LANG_EN), ERR_INVALID);
		CHECK_STR(r.e.msg, "sex: A woman must be female");
		run_end(&r);
		CHECK_INT(run_start(&r, in, RO("woman", "male"), LANG_BG), ERR_INVALID);
		CHECK_STR(r.e.msg, "sex: Жената трябва да е от женски пол");
		run_end(&r);
	}
	inst_free(in);
	err e = {0, ""};
	in = (instrument *)1;
	CHECK_INT(inst_load_by_id(FA_SOURCE_DIR "/instruments", "barthel", 2, &in, &e), ERR_NOTFOUND);
	CHECK(in == NULL);
}

TEST_TABLE(inst) = {
	{"inst_load_top_level_errors", inst_load_top_level_errors},
	{"inst_load_item_errors", inst_load_item_errors},
	{"inst_load_expression_errors", inst_load_expression_errors},
	{"inst_load_section_id_checked", inst_load_section_id_checked},
	{"inst_load_unnamed_field_position", inst_load_unnamed_field_position},
	{"inst_load_limits", inst_load_limits},
	{"inst_eval_values", inst_eval_values},
	{"inst_eval_required_relevant", inst_eval_required_relevant},
	{"inst_eval_constraint_and_bounds", inst_eval_constraint_and_bounds},
	{"inst_eval_multiple_date_text", inst_eval_multiple_date_text},
	{"inst_eval_unknown_key", inst_eval_unknown_key},
	{"inst_eval_irrelevant_later_item_is_null", inst_eval_irrelevant_later_item_is_null},
	{"inst_shipped_bg_independent_living", inst_shipped_bg_independent_living},
	{"inst_shipped_barthel", inst_shipped_barthel},
	{"inst_shipped_lawton_katz", inst_shipped_lawton_katz},
	{"inst_shipped_others", inst_shipped_others},
	{NULL, NULL},
};
