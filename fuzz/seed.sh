#!/usr/bin/env bash
# Rebuilds the seed corpora fuzz/seeds/<target>/ from the repository's
# fixtures and the shared compat corpus (../shared/compat when present).
# Seeds are committed; fuzz/run.sh copies them into fuzz/corpus/<target>/
# (the growing working corpus, minimized by `cargo fuzz cmin`).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
compat=${SRPLAY_COMPAT:-$root/../shared/compat}
[ -d "$compat" ] || compat=/work/shared/compat
out=$root/fuzz/seeds
rm -rf "$out"
mkdir -p "$out"

# add TARGET FILE [PREFIX]: one seed, named by content hash (dedup), at most 64 KiB.
add() {
    local target=$1 file=$2 prefix=${3:-}
    [ -f "$file" ] || return 0
    [ "$(stat -c %s "$file")" -le 65536 ] || return 0
    mkdir -p "$out/$target"
    local tmp
    tmp=$(mktemp)
    { printf '%s' "$prefix"; cat "$file"; } >"$tmp"
    mv "$tmp" "$out/$target/$(sha1sum <"$tmp" | cut -c1-16)"
}

# add_text TARGET TEXT: one seed from a string.
add_text() {
    local tmp
    tmp=$(mktemp)
    printf '%s' "$2" >"$tmp"
    add "$1" "$tmp"
    rm -f "$tmp"
}

# Playbooks: every YAML file of the fixtures, playbooks/ and compat playbooks.
while IFS= read -r f; do add playbook_load "$f"; done < <(
    find tests/fixtures playbooks "$compat/playbooks" -type f \( -name '*.yml' -o -name '*.yaml' \) | sort)

# Inventories: the first byte picks the format (0 = .ini, 1 = .yml, 2 = .json, 3 = none).
while IFS= read -r f; do
    case $f in
        *.yml | *.yaml) add inventory_parse "$f" 1 ;;
        *.json) add inventory_parse "$f" 2 ;;
        *.ini) add inventory_parse "$f" 0 ;;
        *) add inventory_parse "$f" 3 ;;
    esac
done < <(find tests/fixtures/inventory "$compat/inventory" -type f \
    \( -name 'hosts*' -o -name '*.ini' -o -name 'inventory*' -o -name '*.json' \) | sort)

# Host patterns and ranges.
for p in 'all' 'fe:be' 'web:&fe' 'all:!be' 'be[0:2]' 'be[-1]' '~be0[1-3]\..*' 'fe*' \
    'h[01:99]' 'h[a:f]' 'h[1:20:5].example.com' 'db-[1:3]-[a:c]' '[::1]:22' 'fe1.example.com,be02.example.com'; do
    add_text host_pattern "$p"
done

# Templates: compat Jinja cases and .j2 files.
while IFS= read -r t; do add_text template_render "$t"; done < <(
    python3 -c 'import sys,yaml; [print(c["template"].replace("\n"," ")) for c in yaml.safe_load(open(sys.argv[1]))["cases"] if "template" in c]' \
        "$compat/jinja/cases.yml" 2>/dev/null || true)
while IFS= read -r f; do add template_render "$f"; done < <(
    find modules/tests/fixtures "$compat/playbooks" -type f -name '*.j2' | sort)
add_text template_render '{{ greeting }} {{ hosts | join(",") }} {% for k, v in conf.items() %}{{ k }}={{ v }}{% endfor %}'

# Keytabs.
while IFS= read -r f; do add keytab_parse "$f"; done < <(find modules -type f -name '*.keytab' | sort)

# Conf files (default edits) plus one with explicit edits.
while IFS= read -r f; do add conf_edit "$f"; done < <(
    find modules/tests/fixtures tests/fixtures -type f -name '*.conf' | sort)
add_text conf_edit $'JAVA_OPTS="-Xmx8g -XX:+UseG1GC"\nJAVA_OPTS_FOR_JDK_11="-Xmx8g"\n%%\nset http_port=8030\nrm sys_log_level\nflag -Xmx16g\nnoflag -XX:+UseG1GC\nkey JAVA_OPTS_FOR_JDK_11\n'

# SQL the simulator answers: statements quoted in its tests and the SOP playbooks.
while IFS= read -r s; do add_text sim_sql "$s"; done < <(
    grep -rhoE '"(SHOW|ALTER|ADMIN|SET|SELECT|CREATE|DROP|USE|CANCEL)[^"]{3,200}"' sim/tests/*.rs playbooks \
        | tr -d '"' | sort -u)

for d in "$out"/*; do echo "$(basename "$d"): $(find "$d" -type f | wc -l) seeds"; done
