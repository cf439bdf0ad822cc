# Sourced by ./lifeboat and ./run-tests: sets JDK to a JDK >= 25 (JAVA_HOME first, then /usr/lib/jvm/*).
java_major() {
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
  local candidates=() home v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for home in $(ls -d /usr/lib/jvm/* 2>/dev/null | sort -rV); do candidates+=("$home"); done
  for home in "${candidates[@]}"; do
    [ -x "$home/bin/java" ] || continue
    v="$(java_major "$home/bin/java")"
    if [ -n "$v" ] && [ "$v" -ge 25 ]; then
      echo "$home"
      return 0
    fi
  done
  return 1
}

if ! JDK="$(find_jdk)"; then
  echo "lifeboat: needs a JDK 25 or newer (set JAVA_HOME, or install one under /usr/lib/jvm)" >&2
  exit 1
fi
