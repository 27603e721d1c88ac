// Validates an OpenAPI document (a file) with @apidevtools/swagger-parser: the schema of the OpenAPI version it names,
// every $ref resolved, and swagger-parser's own checks (unique operation ids, path parameters declared and used).
// usage: node validate-openapi.mjs FILE
// Prints one line of JSON: {"valid":true,"openapi":"3.1.1","paths":N} or {"valid":false,"error":"..."} (exit code 1).
import SwaggerParser from '@apidevtools/swagger-parser';

const [file] = process.argv.slice(2);
if (!file) {
  console.error('usage: node validate-openapi.mjs FILE');
  process.exit(2);
}
try {
  const api = await SwaggerParser.validate(file);
  console.log(JSON.stringify({ valid: true, openapi: api.openapi, paths: Object.keys(api.paths ?? {}).length }));
} catch (error) {
  console.log(JSON.stringify({ valid: false, error: String(error?.message ?? error) }));
  process.exit(1);
}
