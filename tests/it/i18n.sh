#!/bin/sh
# Translations: every message the programs can print is translated in each
# catalogue (po/bg.po, po/ro.po), and the programs really answer in the
# user's language, with correct Cyrillic and Romanian diacritics.
. "$(dirname "$0")/lib.sh"
cd "$ROOT"
xgettext --from-code=UTF-8 -k_ -kN_ --no-wrap -o "$T/fa.pot" field-agent/*.c sync-server/*.c common/*.c
for lang in bg ro; do
	# the main catalogue and each module's part (po/parts/<module>.<lang>.po)
	msgcat --use-first -o "$T/all-$lang.po" "po/$lang.po" $(ls po/parts/*."$lang".po 2>/dev/null)
	msgmerge -q --no-fuzzy-matching "$T/all-$lang.po" "$T/fa.pot" -o "$T/$lang.po"
	untranslated=$(msgattrib --untranslated --no-obsolete "$T/$lang.po" | grep -c '^msgid ' || true)
	fuzzy=$(msgattrib --only-fuzzy --no-obsolete "$T/$lang.po" | grep -c '^msgid ' || true)
	if [ "$untranslated" = 0 ] && [ "$fuzzy" = 0 ]; then
		pass "i18n: $lang catalogue complete ($(grep -c '^msgid ' "$T/fa.pot") messages)"
	else
		fail "i18n: $lang has $untranslated untranslated and $fuzzy fuzzy messages"
		msgattrib --untranslated --no-obsolete "$T/$lang.po" | grep '^msgid ' | head -5
	fi
	msgfmt --check -o /dev/null "$T/all-$lang.po" 2>"$T/err" && pass "i18n: $lang formats match" \
		|| { fail "i18n: $lang msgfmt --check"; head -3 "$T/err"; }
done

LANG=bg_BG.UTF-8 LANGUAGE= "$BIN/field-agent" --help >"$T/bg.txt" 2>&1
expect_grep "употреба: field-agent .*КОМАНДА" "$T/bg.txt" "i18n: field-agent answers in Bulgarian from LANG"
LANG=ro_RO.UTF-8 LANGUAGE= "$BIN/field-agent" --help >"$T/ro.txt" 2>&1
expect_grep "utilizare: field-agent .*COMANDĂ \[OPȚIUNI\]" "$T/ro.txt" "i18n: field-agent answers in Romanian (ă, Ț)"
LANG=C "$BIN/field-agent" --help >"$T/en.txt" 2>&1
expect_grep "usage: field-agent .*COMMAND" "$T/en.txt" "i18n: English by default"
"$BIN/field-agent" score --lang ro --help >"$T/ro2.txt" 2>&1
expect_grep "Arată rezultatul provizoriu" "$T/ro2.txt" "i18n: --lang overrides the environment"
# No cedilla forms in Romanian text (ş ţ are wrong; ș ț are right).
if grep -q 'ş\|ţ\|Ş\|Ţ' po/ro.po instruments/*.json; then fail "i18n: cedilla ş/ţ found"; else pass "i18n: Romanian uses comma-below ș ț"; fi
finish
