#!/bin/sh
# Retention for the nightly backups in DIR (files rainbownet-YYYY-MM-DDTHHMM.age): every
# backup of the last 14 days, the first of each month for 12 months, the first of each
# year for 7 years (診療録 are kept 5 years, 介護記録 2–5 by town; 7 covers both). The newest
# backup is never removed, whatever its age.
#   rotate-backups.sh DIR
set -eu
dir="${1:?usage: rotate-backups.sh DIR}"
today=$(date -u +%s)
newest=$(ls -1 "$dir"/rainbownet-*.age 2>/dev/null | sort | tail -n 1)
for f in "$dir"/rainbownet-*.age; do
    [ -e "$f" ] || continue
    [ "$f" = "$newest" ] && continue
    stamp=$(basename "$f" .age | sed 's/^rainbownet-//')
    day=${stamp%%T*}
    taken=$(date -u -d "$day" +%s 2>/dev/null) || continue
    age_days=$(( (today - taken) / 86400 ))
    first_of_month=$(ls -1 "$dir"/rainbownet-"${day%-*}"-*.age | sort | head -n 1)
    first_of_year=$(ls -1 "$dir"/rainbownet-"${day%%-*}"-*.age | sort | head -n 1)
    if [ "$age_days" -le 14 ]; then continue; fi
    if [ "$f" = "$first_of_month" ] && [ "$age_days" -le 366 ]; then continue; fi
    if [ "$f" = "$first_of_year" ] && [ "$age_days" -le 2557 ]; then continue; fi
    rm -f -- "$f"
done
