package policy

import (
	"fmt"
	"slices"
)

// VersionPaths returns data.rdsup.config.versionPaths of the data opts
// choose (the built-in defaults merged with opts.DataFiles): engine → from
// version → to versions. The planner splits an upgrade into hops along
// them, so the steps it plans are the ones the version policy allows. It
// reads only the data; no policy is compiled.
func VersionPaths(opts Options) (map[string]map[string][]string, error) {
	data, _, err := loadData(false, opts.DataFiles)
	if err != nil {
		return nil, err
	}
	out := map[string]map[string][]string{}
	var v any = data
	for _, k := range []string{"rdsup", "config", "versionPaths"} {
		m, ok := v.(map[string]any)
		if !ok {
			return out, nil
		}
		if v, ok = m[k]; !ok {
			return out, nil
		}
	}
	const hint = `write it as {"rdsup": {"config": {"versionPaths": {"MySQL": {"5.5": ["5.6"]}}}}}`
	engines, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("policy data: rdsup.config.versionPaths must be an object of engines; %s", hint)
	}
	for e, froms := range engines {
		fm, ok := froms.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("policy data: rdsup.config.versionPaths.%s must be an object of versions; %s", e, hint)
		}
		out[e] = map[string][]string{}
		for f, tos := range fm {
			list, ok := tos.([]any)
			if !ok {
				return nil, fmt.Errorf("policy data: rdsup.config.versionPaths.%s[%q] must be a list of versions; %s", e, f, hint)
			}
			for _, t := range list {
				s, ok := t.(string)
				if !ok {
					return nil, fmt.Errorf("policy data: rdsup.config.versionPaths.%s[%q] lists %v, not a quoted version; %s", e, f, t, hint)
				}
				out[e][f] = append(out[e][f], s)
			}
			slices.Sort(out[e][f])
		}
	}
	return out, nil
}
