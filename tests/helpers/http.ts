// GraphQL over HTTP as a client does it: POST JSON, read status, content type and body.
export interface HttpResult<T = Record<string, unknown>> {
  status: number;
  contentType: string | null;
  data: T | null | undefined;
  errors: { message: string; extensions?: Record<string, unknown>; path?: string[] }[] | undefined;
}

export async function graphqlHttp<T = any>(
  url: string,
  token: string | undefined,
  query: string,
  variables?: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<HttpResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json, application/json;q=0.9',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T | null; errors?: HttpResult['errors'] };
  return { status: response.status, contentType: response.headers.get('content-type'), data: body.data, errors: body.errors };
}

/** The data of a call that must succeed; a failure names the errors. */
export async function expectData<T = any>(
  url: string,
  token: string,
  query: string,
  variables?: Record<string, unknown>,
): Promise<T> {
  const result = await graphqlHttp<T>(url, token, query, variables);
  if (result.errors?.length || !result.data) {
    throw new Error(`expected data, got ${result.status} ${JSON.stringify(result.errors)}`);
  }
  return result.data;
}

/** The error code of a call that must fail. */
export async function errorCode(url: string, token: string | undefined, query: string, variables?: Record<string, unknown>) {
  const result = await graphqlHttp(url, token, query, variables);
  return result.errors?.[0]?.extensions?.code;
}
