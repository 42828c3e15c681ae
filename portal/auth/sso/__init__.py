"""Single sign-on through OpenID Connect providers: the protocol client (Authlib), who a
provider's token signs in, and the provider's sign-out. The pages are the auth blueprint's."""
