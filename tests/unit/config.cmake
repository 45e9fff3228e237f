# Configuration tests, and the check that the Dockerfile installs only the one package list.
brigade_add_test(config_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/config_file_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/config_env_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/config_validation_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/config_values_test.cpp
  LIBS brigade_config)

# The Dockerfile must install exactly what deploy/packages-*.txt list (the same lists `make deps`
# uses), so the image can never drift from the tested build. Every `apt-get install` may carry
# options and `$(sed -e 's/#.*//' <lists>)`, nothing else: any other word is a package name.
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/dockerfile_uses_package_lists.sh [=[
#!/bin/sh
set -eu
set -f  # the sed expression below must not be globbed
dockerfile="$1"
fail() { echo "dockerfile_uses_package_lists: $*" >&2; exit 1; }
[ -f "$dockerfile" ] || fail "no Dockerfile at $dockerfile"
for list in deploy/packages-build.txt deploy/packages-runtime.txt; do
  grep -q "COPY.*$list" "$dockerfile" || fail "the Dockerfile does not COPY $list"
done
# One line per instruction: join backslash continuations.
joined=$(sed -e ':a' -e '/\\$/N' -e 's/\\\n/ /' -e 'ta' "$dockerfile")
installs=$(printf '%s\n' "$joined" | grep -oE '(apt-get|apt|aptitude|dpkg)[[:space:]][^&|;]*' |
           grep -E '[[:space:]](install|-i)([[:space:]]|$)') || fail "no apt-get install found"
count=0
printf '%s\n' "$installs" | {
  while IFS= read -r cmd; do
    seen_install=0; lists=0
    for word in $cmd; do
      if [ "$seen_install" = 0 ]; then
        [ "$word" = install ] && seen_install=1
        continue
      fi
      case "$word" in
        -*) ;;                                   # apt-get and sed options
        '$(sed'|"'s/#.*//'") ;;                  # the comment-stripping sed
        */packages-build.txt|*/packages-build.txt\)|*/packages-runtime.txt|*/packages-runtime.txt\))
          lists=$((lists + 1)) ;;
        *) fail "'$word' in: $cmd -- install packages only through deploy/packages-*.txt" ;;
      esac
    done
    [ "$seen_install" = 1 ] || fail "'$cmd' installs without the package lists"
    [ "$lists" -gt 0 ] || fail "'$cmd' does not read deploy/packages-*.txt"
    count=$((count + 1))
  done
  [ "$count" -ge 2 ] || fail "expected an install in the build stage and one in the runtime stage, found $count"
}
echo "Dockerfile installs only deploy/packages-build.txt and deploy/packages-runtime.txt"
]=])
add_test(NAME dockerfile_uses_package_lists
         COMMAND sh ${CMAKE_CURRENT_BINARY_DIR}/dockerfile_uses_package_lists.sh ${PROJECT_SOURCE_DIR}/Dockerfile)
set_tests_properties(dockerfile_uses_package_lists PROPERTIES LABELS config TIMEOUT 30)
