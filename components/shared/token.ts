/** Package part of every component type token (`<package>:index:<Name>`); changing it renames every URN. */
export const TOKEN_PREFIX = "akvsecrets";
