package server

// systemView is the cluster system as the home page shows it, in one language.
type systemView struct {
	Name, Version, EffectiveFrom string
	ClusterCount                 int
	Tiers                        []tierView
}

type tierView struct {
	Name, Caption string
	Clusters      []clusterView
}

type clusterView struct {
	Name, OtherName, Parent, Target, Codes string
	Verified                               bool
}

// systemView builds the view of the default cluster system.
func (s *Server) systemView(lang string) *systemView {
	return nil
}
