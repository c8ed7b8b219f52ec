/*
 * fuzz_import: exchange-format files (domain.md §9) as `field-agent import`
 * and `sync-server rank --cases` read them: the streaming array reader,
 * the bounded parser, every case checked against its instrument, scored
 * and ranked, and imported into a real device store.
 */
#define FUZZ_WITH_STORE
#include <stdint.h>
#include <stddef.h>

#include "fuzz_util.h"
#include "json.h"
#include "round.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static store st;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!fuzz_ninst) {
		fuzz_load_instruments();
		fuzz_store(&st);
	}
	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)(uintptr_t)data, size, "rb");
	if (!f)
		return 0;
	json_array_reader rd;
	err e = {0, ""};
	round_ctx *r = NULL;
	round_new(fuzz_inst[0], &r, &e);
	if (json_array_open(&rd, f, "fuzz", 256 * 1024, &e) == 0) {
		const char *text;
		size_t len;
		int n = 0;
		while (n++ < 64 && json_array_next(&rd, &text, &len, &e) > 0) {
			cJSON *a = NULL;
			err ce = {0, ""};
			if (r)
				round_add_text(r, text, len, &ce);
			if (json_parse(text, len, &json_limits_case, &a, &ce))
				continue;
			const cJSON *ji = cJSON_GetObjectItemCaseSensitive(a, "instrument");
			const cJSON *jv = cJSON_GetObjectItemCaseSensitive(a, "version");
			instrument *in = NULL;
			if (cJSON_IsString(ji) && cJSON_IsNumber(jv) && jv->valuedouble >= 0 && jv->valuedouble < 100)
				in = fuzz_find_instrument(ji->valuestring, (int)jv->valuedouble);
			inst_eval ev;
			if (in && inst_eval_init(&ev, in) == 0) {
				int valid = inst_evaluate(&ev, a, LANG_BG, &ce) == 0;
				inst_eval_free(&ev);
				int result;
				if (valid)
					store_import_assessment(&st, a, &result, &ce);
			}
			cJSON_Delete(a);
		}
		json_array_close(&rd);
	}
	if (r) {
		rank_capacity cap = round_default_capacity(fuzz_inst[0]);
		buf out = BUF_INIT;
		if (round_run(r, &cap, &e) == 0) {
			round_write_json(r, &cap, &out);
			round_write_text(r, &cap, &out);
		}
		buf_free(&out);
		round_free(r);
	}
	fclose(f);
	return 0;
}
