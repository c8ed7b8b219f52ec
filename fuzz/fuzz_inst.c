/*
 * fuzz_inst: instrument files (docs/instrument-format.md) as the device
 * receives them from a pull or the server from `instrument publish`.
 * A file that loads is then used: an empty and a sample assessment are
 * evaluated against it, as a draft and as final.
 */
#include <stdint.h>
#include <stddef.h>

#include "inst.h"
#include "json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	instrument *in = NULL;
	err e = {0, ""};
	if (inst_load_text("fuzz", (const char *)data, size, &in, &e))
		return 0;
	static const char sample[] =
		"{\"id\":\"6f1c0a52-3f1e-4b8e-9a2f-5d7e8c9b0a11\",\"instrument\":\"x\",\"version\":1,"
		"\"status\":\"final\",\"registered_on\":\"2026-02-25\",\"assessed_on\":\"2026-03-01\","
		"\"person\":{\"id\":\"p\",\"birth_date\":\"1950-03-01\",\"locality\":\"L\"},"
		"\"answers\":{\"a\":1,\"b\":\"x\",\"c\":[1,2],\"d\":null,\"e\":true}}";
	cJSON *a = cJSON_Parse(sample);
	inst_eval ev;
	if (a && inst_eval_init(&ev, in) == 0) {
		inst_evaluate_draft(&ev, a, LANG_BG, &e);
		inst_evaluate(&ev, a, LANG_EN, &e);
		for (size_t i = 0; i < in->nfields && i < 64; i++)
			inst_check_value(&ev, (int)i, cJSON_GetObjectItem(cJSON_GetObjectItem(a, "answers"), "a"),
					 LANG_RO, &e);
		inst_eval_free(&ev);
	}
	cJSON_Delete(a);
	inst_free(in);
	return 0;
}
