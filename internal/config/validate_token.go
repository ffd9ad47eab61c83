package config

// tokenConflict adds an error, and reports true, when a token is set both in the
// file and by tokenFile (which Load reads into it), or when the file is empty.
func (v *checker) tokenConflict(p string, token Secret, file string, fromFile bool) bool {
	switch {
	case file != "" && token.IsSet() && !fromFile:
		v.add(p+".tokenFile", "set token or tokenFile, not both")
	case file != "" && fromFile && !token.IsSet():
		v.add(p+".tokenFile", "the file is empty")
	default:
		return false
	}
	return true
}

// token checks that exactly one of token and tokenFile gives the token; what says
// which token is required when neither does.
func (v *checker) token(p string, token Secret, file string, fromFile bool, what string) {
	if !v.tokenConflict(p, token, file, fromFile) && file == "" {
		v.required(p+".token", token.Reveal(), what)
	}
}

// noBasicCredentials refuses username and password on a registry whose token signs
// in to the registry too (ghcr, gitlab).
func (v *checker) noBasicCredentials(r *Registry) {
	for _, k := range []struct {
		key string
		set bool
	}{{"username", r.Username != ""}, {"password", r.Password.IsSet()}} {
		if k.set {
			v.add("registry."+k.key, "not used with type %s: the token signs in to the registry too", r.Type)
		}
	}
}
