"""Drives a running block-server with the official Python MCP SDK, knowing only its
base URL: the SDK finds the authorization server from the 401 of /mcp (RFC 9728,
RFC 8414), registers itself (RFC 7591), signs the user in with PKCE and a token
bound to /mcp (RFC 8707), then lists the tools and calls a block.

The user's part of the sign-in (what a person does in a browser) is done over
plain HTTP: the one-time sign-in link of `block-server login-link` (given in
BLOCKS_LOGIN_LINK), then the consent form.

Usage: BLOCKS_LOGIN_LINK=<link> python mcp_client.py http://127.0.0.1:8000
"""

from __future__ import annotations

import asyncio
import html
import os
import re
import sys
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp import Client
from mcp.client.auth import OAuthClientProvider, TokenStorage
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata, OAuthToken

REDIRECT_URI = "http://127.0.0.1:33418/callback"


class MemoryStorage(TokenStorage):
    """Tokens and the registered client, kept for this run only."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class Browser:
    """What a person does: open the sign-in link, then allow the application."""

    def __init__(self, base_url: str, login_link: str) -> None:
        self.base_url = base_url
        self.login_link = login_link
        self.http = httpx2.AsyncClient(follow_redirects=False, timeout=30)
        self.result: AuthorizationCodeResult | None = None
        self.visited: str | None = None

    async def open(self, authorization_url: str) -> None:
        self.visited = authorization_url
        signed_in = await self.http.get(self.login_link)
        # The link signs the browser in: it answers a page, or sends it on (303) to
        # the console, with the session cookie either way.
        check(signed_in.status_code in (200, 303), f"the sign-in link answered {signed_in.status_code}")
        check(len(self.http.cookies) > 0, "the sign-in link set no session cookie")
        page = await self.http.get(authorization_url)
        check(page.status_code == 200, f"the consent page answered {page.status_code}: {page.text[:300]}")
        fields = {
            name: html.unescape(value)
            for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', page.text)
        }
        check("csrf" in fields, "the consent page has a form")
        fields["decision"] = "allow"
        decided = await self.http.post(f"{self.base_url}/oauth/authorize", data=fields)
        check(decided.status_code == 302, f"the consent answered {decided.status_code}: {decided.text[:300]}")
        query = parse_qs(urlparse(decided.headers["location"]).query)
        check("code" in query, f"the redirect carries a code: {decided.headers['location']}")
        self.result = AuthorizationCodeResult(code=query["code"][0], state=query.get("state", [None])[0])

    async def callback(self) -> AuthorizationCodeResult:
        check(self.result is not None, "the browser was sent to the authorization endpoint")
        return self.result


def check(condition: bool, message: str) -> None:
    if not condition:
        raise AssertionError(message)


async def main(base_url: str, login_link: str) -> None:
    browser = Browser(base_url, login_link)
    storage = MemoryStorage()
    auth = OAuthClientProvider(
        server_url=f"{base_url}/mcp",
        client_metadata=OAuthClientMetadata(
            client_name="Python MCP SDK check",
            redirect_uris=[REDIRECT_URI],
            grant_types=["authorization_code", "refresh_token"],
            response_types=["code"],
            token_endpoint_auth_method="none",
        ),
        storage=storage,
        redirect_handler=browser.open,
        callback_handler=browser.callback,
    )
    progress: list[tuple[float, str | None]] = []

    async def on_progress(value: float, total: float | None, message: str | None) -> None:
        progress.append((value, message))

    async with httpx2.AsyncClient(auth=auth, timeout=60) as http:
        async with Client(streamable_http_client(f"{base_url}/mcp", http_client=http)) as client:
            check(storage.client is not None, "the client registered itself")
            check(storage.tokens is not None, "the client holds a token")
            check(browser.visited is not None and "resource=" in browser.visited, "the authorization asks for a resource")
            tools = await client.list_tools()
            names = [tool.name for tool in tools.tools]
            check("greet" in names or tools.next_cursor is not None, f"greet is listed: {names}")
            all_names = list(names)
            cursor = tools.next_cursor
            while cursor:
                page = await client.list_tools(cursor=cursor)
                all_names += [tool.name for tool in page.tools]
                cursor = page.next_cursor
            check("greet" in all_names and "calculator" in all_names, f"the block tools are listed: {all_names}")
            result = await client.call_tool("greet", {"name": "Ada"}, progress_callback=on_progress)
            check(not result.is_error, f"greet succeeded: {result}")
            expected = {"greeting": ["Hello, Ada!", "Hi, Ada!"], "greeting_count": [2]}
            check(result.structured_content == expected, f"greet answered {result.structured_content}")
            text = " ".join(block.text for block in result.content if getattr(block, "text", None))
            check("GreetBlock completed" in text, f"the summary says so: {text}")
            failed = await client.call_tool("calculator", {"operation": "divide", "a": 1, "b": 0})
            check(failed.is_error, f"a block's error is a tool error: {failed}")
    check(len(progress) == 3, f"one progress notification per output: {progress}")
    print(f"tools: {len(all_names)}; greet answered {expected}; progress {progress}")


if __name__ == "__main__":
    if len(sys.argv) != 2 or "BLOCKS_LOGIN_LINK" not in os.environ:
        sys.exit("usage: BLOCKS_LOGIN_LINK=<link> python mcp_client.py <base URL>")
    try:
        asyncio.run(main(sys.argv[1].rstrip("/"), os.environ["BLOCKS_LOGIN_LINK"]))
    except AssertionError as error:
        print(f"mcp_client: FAILED: {error}", file=sys.stderr)
        print("0 passed, 1 failed")
        sys.exit(1)
    print("1 passed, 0 failed")
